"""the customer base of a unit and operational metrics (date, region, metric, value), for
complaint rates per 1,000 customers and the lagged correlation of metrics with complaints

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customers', sa.Integer(), nullable=True))
    op.create_table('operational_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'region', 'metric', name='uq_operational_metrics_day_region_metric')
    )


def downgrade() -> None:
    op.drop_table('operational_metrics')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('customers')
