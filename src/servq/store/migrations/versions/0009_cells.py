"""cells: the dashboard's sufficient statistics per survey x unit x channel x tier x
language x day or month (servq.store.cells), made here from the stored responses; an index
of the responses by survey and time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session


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
    # the cells of the responses stored so far (the code of this servq: a later release
    # that changes the cells' layout rebuilds them with `servq db rebuild-cells`)
    from servq.store import cells

    bind = op.get_bind()
    session = Session(bind=bind)
    for survey_id in bind.execute(sa.text("select distinct survey_id from responses order by survey_id")).scalars():
        cells.rebuild(session, survey_id)
    session.flush()


def downgrade() -> None:
    op.drop_index('ix_responses_survey_time', table_name='responses')
    op.drop_table('cells')
