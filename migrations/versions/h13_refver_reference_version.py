"""The reference-data version: one row moved by every change to codes, figures, localities and the
taxonomy, so hosts sharing the database know when what they cached from it is stale

Revision ID: h13_refver
Revises: r12_cvread
Create Date: 2026-11-26 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h13_refver'
down_revision = 'p13_payidx'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('reference_version')
