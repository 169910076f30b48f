"""Skills-check attempts; member IDs, expiry and verification of seekers' credentials

Revision ID: r12_creds
Revises: i14_feeds
Create Date: 2026-11-26 14:31:40.879438

"""
import sqlalchemy as sa
from alembic import op

import jobboard.models.base

# revision identifiers, used by Alembic.
revision = 'r12_creds'
down_revision = 'i14_feeds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('specialty_id', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('started_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialty.id'], name=op.f('fk_quiz_attempt_specialty_id_specialty'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_quiz_attempt_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt'))
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_user_id'), ['user_id'], unique=False)

    op.create_table('held_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=40), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('check_method', sa.String(length=30), nullable=False),
    sa.Column('check_note', sa.Text(), nullable=False),
    sa.Column('reminded_for', sa.Date(), nullable=True),
    sa.Column('created_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', jobboard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'verified', 'rejected')", name=op.f('ck_held_credential_status')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_held_credential_checked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_held_credential_credential_id_credential'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id', 'credential_id'], ['seeker_credential.seeker_id', 'seeker_credential.credential_id'], name='fk_held_credential_seeker_credential', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seeker_profile.id'], name=op.f('fk_held_credential_seeker_id_seeker_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_credential')),
    sa.UniqueConstraint('seeker_id', 'credential_id', name=op.f('uq_held_credential_seeker_id_credential_id'))
    )


def downgrade():
    op.drop_table('held_credential')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_user_id'))

    op.drop_table('quiz_attempt')
