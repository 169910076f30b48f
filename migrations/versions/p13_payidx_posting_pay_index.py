"""Indexes holding every column pay benchmarks read: of open postings, and of the postings of each
specialty and required credential (these replace the single-column indexes they start with)

Revision ID: p13_payidx
Revises: r12_cvread
Create Date: 2026-11-26 18:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'p13_payidx'
down_revision = 'e8_confirm'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.create_index('ix_posting_pay', ['status', 'expires_at', 'suspended_at', 'created_by_id',
                                                 'salary_unit', 'salary_min', 'salary_max', 'state', 'id'],
                              unique=False)
    with op.batch_alter_table('posting_specialty', schema=None) as batch_op:
        batch_op.create_index('ix_posting_specialty_specialty_id_posting_id', ['specialty_id', 'posting_id'],
                              unique=False)
        batch_op.drop_index('ix_posting_specialty_specialty_id')
    with op.batch_alter_table('posting_credential', schema=None) as batch_op:
        batch_op.create_index('ix_posting_credential_credential_id_required',
                              ['credential_id', 'required', 'posting_id'], unique=False)
        batch_op.drop_index('ix_posting_credential_credential_id')


def downgrade():
    with op.batch_alter_table('posting_credential', schema=None) as batch_op:
        batch_op.create_index('ix_posting_credential_credential_id', ['credential_id'], unique=False)
        batch_op.drop_index('ix_posting_credential_credential_id_required')
    with op.batch_alter_table('posting_specialty', schema=None) as batch_op:
        batch_op.create_index('ix_posting_specialty_specialty_id', ['specialty_id'], unique=False)
        batch_op.drop_index('ix_posting_specialty_specialty_id_posting_id')
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_index('ix_posting_pay')
