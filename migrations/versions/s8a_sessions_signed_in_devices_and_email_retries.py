"""Signed-in devices; stable Message-ID and retry backoff for emails

Revision ID: s8a_sessions
Revises: 5d612d303573
Create Date: 2026-11-26 13:53:51.881883

"""
import sqlalchemy as sa
from alembic import op

import jobboard.models.base

# revision identifiers, used by Alembic.
revision = 's8a_sessions'
down_revision = '5d612d303573'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbound_email_next_attempt_at'), ['next_attempt_at'], unique=False)
    # Messages queued before this revision get a fixed id of their own, kept from now on.
    op.execute("UPDATE outbound_email SET message_id = '<outbox' || id || '.queued@medcodejobs.invalid>'")
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=255), nullable=False)

    # Sessions now live in user_session: every cookie issued before this revision stops working.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.VARCHAR(length=64), nullable=False,
                                      server_default='signed-out'))

    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_email_next_attempt_at'))
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('message_id')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
