"""supervisors: customer service-quality supervisors (their invitations through the outbox,
evaluations with photos, the points ledger); the users' role and the outbox's recipient widened

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:40:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role in ('administrator', 'analyst', 'unit_manager')"
ROLES_AFTER = "role in ('administrator', 'analyst', 'unit_manager', 'supervisor')"
KINDS_BEFORE = "kind in ('invitation', 'reminder', 'report')"
KINDS_AFTER = "kind in ('invitation', 'reminder', 'report', 'supervisor')"
# one recipient a message: a wave member, a manager's report or a supervisor
RECIPIENT_BEFORE = "(kind = 'report') = (report_id is not null) and (kind = 'report') = (member_id is null)"
RECIPIENT_AFTER = ("(kind = 'report') = (report_id is not null) and (kind = 'supervisor') = (supervisor_id is not null) "
                   "and (kind in ('invitation', 'reminder')) = (member_id is not null)")


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('ck_users_role', type_='check')
        batch_op.create_check_constraint('ck_users_role', ROLES_AFTER)

    op.create_table('supervisors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invitations', sa.Integer(), nullable=False),
    sa.Column('invite_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invite_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invite_token_hash'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('supervisor_units',
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['supervisors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('supervisor_id', 'unit_id')
    )
    with op.batch_alter_table('supervisor_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisor_units_unit_id'), ['unit_id'], unique=False)

    op.create_table('supervisor_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('visit_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['supervisors.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id')
    )
    with op.batch_alter_table('supervisor_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisor_evaluations_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('supervisor_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("content_type in ('image/jpeg', 'image/png')", name='ck_supervisor_photos_type'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['supervisor_evaluations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervisor_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisor_photos_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('points_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('per_evaluation', sa.Integer(), nullable=False),
    sa.Column('photo_bonus', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('points_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('evaluation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('evaluation', 'adjustment')", name='ck_points_ledger_kind'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['supervisor_evaluations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['supervisors.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id')
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_ledger_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_ledger_supervisor_id'), ['supervisor_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_foreign_key('fk_outbox_supervisor_id_supervisors', 'supervisors', ['supervisor_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint('ck_outbox_recipient', type_='check')
        batch_op.drop_constraint('ck_outbox_kind', type_='check')
        batch_op.create_check_constraint('ck_outbox_kind', KINDS_AFTER)
        batch_op.create_check_constraint('ck_outbox_recipient', RECIPIENT_AFTER)


def downgrade() -> None:
    op.execute("delete from outbox where supervisor_id is not null")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('ck_outbox_recipient', type_='check')
        batch_op.drop_constraint('ck_outbox_kind', type_='check')
        batch_op.create_check_constraint('ck_outbox_kind', KINDS_BEFORE)
        batch_op.create_check_constraint('ck_outbox_recipient', RECIPIENT_BEFORE)
        batch_op.drop_constraint('fk_outbox_supervisor_id_supervisors', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_supervisor_id'))
        batch_op.drop_column('supervisor_id')
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_ledger_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_points_ledger_created_at'))
    op.drop_table('points_ledger')
    op.drop_table('points_rules')
    with op.batch_alter_table('supervisor_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisor_photos_evaluation_id'))
    op.drop_table('supervisor_photos')
    with op.batch_alter_table('supervisor_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisor_evaluations_supervisor_id'))
    op.drop_table('supervisor_evaluations')
    with op.batch_alter_table('supervisor_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisor_units_unit_id'))
    op.drop_table('supervisor_units')
    op.execute("delete from users where role = 'supervisor'")
    op.drop_table('supervisors')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('ck_users_role', type_='check')
        batch_op.create_check_constraint('ck_users_role', ROLES_BEFORE)
