"""instrument versions: a survey edited after its first responses asks a new version of
its instrument; each response keeps the version it was answered with

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:40:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument_version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('survey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=100), nullable=False),
    sa.Column('instrument_yaml', sa.Text(), nullable=False),
    sa.Column('replaced_by', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['replaced_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'version', name='uq_survey_versions_survey_version')
    )
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_versions_survey_id'), ['survey_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_versions_survey_id'))
    op.drop_table('survey_versions')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('instrument_version')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('instrument_version')
