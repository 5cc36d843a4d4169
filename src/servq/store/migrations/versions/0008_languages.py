"""languages: each user's language of the administration pages, and the names of units,
channels, tiers and the titles of surveys in other languages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LABELLED = (('units', 'labels'), ('channels', 'labels'), ('tiers', 'labels'), ('surveys', 'title_labels'))


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    for table, column in LABELLED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(LABELLED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
