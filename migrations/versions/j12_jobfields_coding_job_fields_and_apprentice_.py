"""Postings keep the coding job fields: apprentice pathway, work setting, code sets, encoders,
productivity and accuracy expectations

Revision ID: j12_jobfields
Revises: r12_creds
Create Date: 2026-11-26 14:44:28.805058

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'j12_jobfields'
down_revision = 'r12_creds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('apprentice', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('work_setting', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('code_sets', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('encoders', sa.String(length=160), server_default='', nullable=False))
        batch_op.add_column(sa.Column('productivity', sa.Numeric(precision=6, scale=2), nullable=True))
        batch_op.add_column(sa.Column('productivity_per', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('chart_type', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accuracy_pct', sa.Numeric(precision=4, scale=1), nullable=True))
        batch_op.create_check_constraint(
            'work_setting',
            "work_setting IS NULL OR work_setting IN ('inpatient', 'outpatient', 'profee', 'payer', 'asc')")
        batch_op.create_check_constraint(
            'productivity_per', "productivity_per IS NULL OR productivity_per IN ('hour', 'day')")


def downgrade():
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_posting_productivity_per'), type_='check')
        batch_op.drop_constraint(op.f('ck_posting_work_setting'), type_='check')
        batch_op.drop_column('accuracy_pct')
        batch_op.drop_column('chart_type')
        batch_op.drop_column('productivity_per')
        batch_op.drop_column('productivity')
        batch_op.drop_column('encoders')
        batch_op.drop_column('code_sets')
        batch_op.drop_column('work_setting')
        batch_op.drop_column('apprentice')
