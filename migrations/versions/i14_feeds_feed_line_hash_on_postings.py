"""Feed line hash on postings: a re-imported line that did not change is not written again.

Revision ID: i14_feeds
Revises: s8b_members
Create Date: 2026-11-26 13:48:12.832282

"""
import sqlalchemy as sa
from alembic import op

revision = 'i14_feeds'
down_revision = 's8b_members'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_posting_source_hash'), ['source_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_source_hash'))
        batch_op.drop_column('source_hash')
