"""push endpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import server.models
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('push_endpoints',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('family_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('endpoint', sa.Text(), nullable=False),
    sa.Column('endpoint_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('p256dh', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('auth', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('created_at', server.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('endpoint_hash', name='uq_push_endpoints_hash'),
    sa.UniqueConstraint('user_id', 'device_id', name='uq_push_endpoints_device')
    )
    with op.batch_alter_table('push_endpoints', schema=None) as batch_op:
        batch_op.create_index('ix_push_endpoints_user', ['user_id', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_endpoints', schema=None) as batch_op:
        batch_op.drop_index('ix_push_endpoints_user')

    op.drop_table('push_endpoints')
