"""public scores: the surveys whose scores an administrator published on the open
platform's public page (/public/<slug>); a row per published survey, none: not public

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:15:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('public_scores',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('survey_id')
    )


def downgrade() -> None:
    op.drop_table('public_scores')
