"""cells by instrument version: a cell holds the responses to one version of its survey's
instrument (the version is part of its key; the cells so far become version 1) and counts
the item cells not asked ("show if" not met) apart from the blank ones; the cells of the
stored responses made again

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KEY_BEFORE = ['survey_id', 'dims', 'grain', 'period', 'unit_id', 'channel_id', 'tier_id', 'language']
KEY_AFTER = ['survey_id', 'instrument_version', *KEY_BEFORE[1:]]


def upgrade() -> None:
    with op.batch_alter_table('cells', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('not_asked', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.drop_constraint('pk_cells', type_='primary')
        batch_op.create_primary_key('pk_cells', KEY_AFTER)
    # Cells are made by the code of this servq, which fits only the newest schema (so a later
    # migration of the cells table takes this over, as this one took it from 0009).
    from servq.store import cells

    bind = op.get_bind()
    session = Session(bind=bind)
    for survey_id in _stale(bind):
        cells.rebuild(session, survey_id)
    session.flush()


def _stale(bind) -> list[int]:
    """The surveys whose cells must be made: those with responses and no cells (stored
    before 0009), and those whose cells mixed instrument versions or counted an item not
    asked as blank (answered in a later version; "show if" in an instrument). The others'
    cells are right as version 1: a database of millions of responses is not read again."""
    def surveys(sql: str) -> set[int]:
        return set(bind.execute(sa.text(sql)).scalars())

    answered = surveys("select distinct survey_id from responses")
    conditional = surveys("select id from surveys where instrument_yaml like '%show_if%' union "
                          "select survey_id from survey_versions where instrument_yaml like '%show_if%'")
    later = surveys("select distinct survey_id from responses where instrument_version <> 1")
    return sorted((answered - surveys("select distinct survey_id from cells")) | (answered & (conditional | later)))


def downgrade() -> None:
    # servq before 0015 keeps one cell for every version and counts an item not asked as blank:
    # the cells of version 1 stay so (`servq db rebuild-cells` of that servq adds the later versions)
    op.execute("delete from cells where instrument_version <> 1")
    op.execute("update cells set blank = blank + not_asked")
    with op.batch_alter_table('cells', schema=None) as batch_op:
        batch_op.drop_constraint('pk_cells', type_='primary')
        batch_op.create_primary_key('pk_cells', KEY_BEFORE)
        batch_op.drop_column('not_asked')
        batch_op.drop_column('instrument_version')
