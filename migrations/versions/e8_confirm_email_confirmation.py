"""Email confirmation: accounts made by registering are unusable until the emailed link is used.

Every account that exists already counts as confirmed (since its creation).

Revision ID: e8_confirm
Revises: r12_cvread
Create Date: 2026-11-26 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import jobboard.models.base

revision = 'e8_confirm'
down_revision = 'r12_cvread'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', jobboard.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('signup_company_name', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('signup_join_code', sa.String(length=32), nullable=True))
    op.execute("UPDATE user_account SET confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('signup_join_code')
        batch_op.drop_column('signup_company_name')
        batch_op.drop_column('confirmed_at')
