"""Postings keep whether they read as coding-related jobs, why, and an admin's confirmation

Revision ID: a9_coding
Revises: s8a_sessions
Create Date: 2026-11-26 13:52:20.469187

"""
import sqlalchemy as sa
from alembic import op

import jobboard.models.base

# revision identifiers, used by Alembic.
revision = 'a9_coding'
down_revision = 's8a_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coding_related', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('coding_evidence', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('coding_reviewed_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_column('coding_reviewed_at')
        batch_op.drop_column('coding_evidence')
        batch_op.drop_column('coding_related')

