"""cells: the dashboard's sufficient statistics per survey x unit x channel x tier x
language x day or month (servq.store.cells), the cells of the stored responses made by
0015; an index of the responses by survey and time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cells',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('dims', sa.SmallInteger(), nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.Column('blank', sa.BigInteger(), nullable=False),
    sa.Column('dont_know', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('sums', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'dims', 'grain', 'period', 'unit_id', 'channel_id', 'tier_id', 'language',
                            name='pk_cells')
    )
    op.create_index('ix_responses_survey_time', 'responses', ['survey_id', 'submitted_at'], unique=False)
    # the cells of the responses stored so far are made by the newest migration of the cells
    # table (0015): servq's code writes cells of the newest schema only


def downgrade() -> None:
    op.drop_index('ix_responses_survey_time', table_name='responses')
    op.drop_table('cells')
