"""Postings indexed by their last change, the data version pay benchmarks are cached under

Revision ID: p12_pay
Revises: j12_jobfields
Create Date: 2026-11-26 15:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'p12_pay'
down_revision = 'j12_jobfields'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.create_index('ix_posting_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_index('ix_posting_updated_at')
