"""reports: reports to unit managers after each wave and on a schedule, their delivery
(the outbox carries their e-mails) and the delivery log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('on_wave_close', sa.Boolean(), nullable=False),
    sa.Column('rule', sa.String(length=100), nullable=True),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id')
    )
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_schedules_next_run_at'), ['next_run_at'], unique=False)

    op.create_table('report_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=12), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("delivery in ('link', 'attachment')", name='ck_report_preferences_delivery'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('manager_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('delivery', sa.String(length=12), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('results', sa.Text(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("delivery in ('link', 'attachment')", name='ck_manager_reports_delivery'),
    sa.CheckConstraint("trigger in ('wave', 'schedule')", name='ck_manager_reports_trigger'),
    sa.CheckConstraint('until > since', name='ck_manager_reports_period'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('manager_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manager_reports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_manager_reports_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_manager_reports_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_manager_reports_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key('fk_outbox_report_id', 'manager_reports', ['report_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint('ck_outbox_kind', type_='check')
        batch_op.create_check_constraint('ck_outbox_kind', "kind in ('invitation', 'reminder', 'report')")
        batch_op.create_check_constraint(
            'ck_outbox_recipient',
            "(kind = 'report') = (report_id is not null) and (kind = 'report') = (member_id is null)")


def downgrade() -> None:
    op.execute("delete from outbox where kind = 'report'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('ck_outbox_recipient', type_='check')
        batch_op.drop_constraint('ck_outbox_kind', type_='check')
        batch_op.create_check_constraint('ck_outbox_kind', "kind in ('invitation', 'reminder')")
        batch_op.drop_constraint('fk_outbox_report_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_report_id'))
        batch_op.drop_column('report_id')
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('manager_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manager_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_manager_reports_survey_id'))
        batch_op.drop_index(batch_op.f('ix_manager_reports_expires_at'))
        batch_op.drop_index(batch_op.f('ix_manager_reports_created_at'))

    op.drop_table('manager_reports')
    op.drop_table('report_preferences')
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_schedules_next_run_at'))

    op.drop_table('report_schedules')
