"""Code figure lineage (source file and release), also-known-as phrases, Medicare localities

Revision ID: c10_lineage
Revises: a9_coding
Create Date: 2026-11-26 13:46:07.001462

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10_lineage'
down_revision = 'a9_coding'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('medicare_locality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=5), nullable=False),
    sa.Column('locality', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('counties', sa.Text(), nullable=False),
    sa.Column('work_gpci', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('pe_gpci', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('mp_gpci', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medicare_locality')),
    sa.UniqueConstraint('mac', 'locality', name=op.f('uq_medicare_locality_mac_locality'))
    )
    with op.batch_alter_table('cpt_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('also_known_as', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source_file', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source_release', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('cpt_code', schema=None) as batch_op:
        batch_op.drop_column('source_release')
        batch_op.drop_column('source_file')
        batch_op.drop_column('also_known_as')

    op.drop_table('medicare_locality')
