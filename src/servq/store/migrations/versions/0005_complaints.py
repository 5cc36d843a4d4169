"""complaints, their contacts and case events, SLA policies, training examples, the
closed-loop setting of surveys, and the installation's salt of customer keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:53:12.583029
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    secrets_table = op.create_table('instance_secrets',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # the salt of customer keys (a keyed hash of a complainant's contact): random per installation
    op.bulk_insert(secrets_table, [{'name': 'customer_key_salt', 'value': secrets.token_hex(32)}])
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('tier', sa.String(length=100), nullable=False),
    sa.Column('acknowledge_hours', sa.Float(), nullable=False),
    sa.Column('resolve_days', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('category', 'tier', name='uq_sla_policies_category_tier')
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('tier_id', sa.Integer(), nullable=True),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('dimension', sa.String(length=50), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('sentiment', sa.Float(), nullable=True),
    sa.Column('severity', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolve_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_policy', sa.JSON(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('customer_key', sa.String(length=64), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source in ('form', 'api', 'import', 'survey')", name='ck_complaints_source'),
    sa.CheckConstraint("status in ('new', 'assigned', 'in_progress', 'resolved', 'closed')", name='ck_complaints_status'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tier_id'], ['tiers.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_customer_key'), ['customer_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_dimension'), ['dimension'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_escalated_to_id'), ['escalated_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('complaint_id')
    )
    with op.batch_alter_table('complaint_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_contacts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_contacts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_contacts_phone'), ['phone'], unique=False)

    op.create_table('training_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('dimension', sa.String(length=50), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_examples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_examples_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_loop', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('closed_loop')

    with op.batch_alter_table('training_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_examples_complaint_id'))

    op.drop_table('training_examples')
    with op.batch_alter_table('complaint_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_contacts_phone'))
        batch_op.drop_index(batch_op.f('ix_complaint_contacts_email'))
        batch_op.drop_index(batch_op.f('ix_complaint_contacts_created_at'))

    op.drop_table('complaint_contacts')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_complaint_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_unit_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_status'))
        batch_op.drop_index(batch_op.f('ix_complaints_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_escalated_to_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_dimension'))
        batch_op.drop_index(batch_op.f('ix_complaints_customer_key'))

    op.drop_table('complaints')
    op.drop_table('sla_policies')
    op.drop_table('instance_secrets')
