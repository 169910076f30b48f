"""Résumé reading: the outcome of reading an uploaded file's text and the profile fields it suggests.

Revision ID: r12_cvread
Revises: p12_pay
Create Date: 2026-11-26 15:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'r12_cvread'
down_revision = 'p12_pay'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resume', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reading', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('proposals', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('resume', schema=None) as batch_op:
        batch_op.drop_column('proposals')
        batch_op.drop_column('reading')
