"""Quiet hours defer pushes: the pushes held back until their user's quiet hours end

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import server.models
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('push_deferred',
    sa.Column('notification_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('due_at', server.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('notification_id')
    )
    with op.batch_alter_table('push_deferred', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_deferred_due_at'), ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_deferred', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_deferred_due_at'))

    op.drop_table('push_deferred')
