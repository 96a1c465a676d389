"""task events (PROTOCOL-2.md `task_event`)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import server.models
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('task_events',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('task_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('at', server.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.create_index('ix_task_events_task', ['task_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_events_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_events_project_id'))
        batch_op.drop_index('ix_task_events_task')

    op.drop_table('task_events')
