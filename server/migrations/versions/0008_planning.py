"""planning: iterations, task links, task.iteration_id, at_risk alerts (PROTOCOL-2.md "Planning")

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:06:53.932198
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import server.models
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('iterations',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('closed_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('iterations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iterations_project_id'), ['project_id'], unique=False)

    op.create_table('risk_alerts',
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('subject_id')
    )
    op.create_table('task_links',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('from_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('to_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('lag_days', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_links', schema=None) as batch_op:
        batch_op.create_index('ix_task_links_from', ['from_id', 'kind', 'deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_links_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_task_links_to', ['to_id', 'deleted'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iteration_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.create_index('ix_tasks_iteration', ['iteration_id', 'deleted'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_iteration')
        batch_op.drop_column('iteration_id')

    with op.batch_alter_table('task_links', schema=None) as batch_op:
        batch_op.drop_index('ix_task_links_to')
        batch_op.drop_index(batch_op.f('ix_task_links_project_id'))
        batch_op.drop_index('ix_task_links_from')

    op.drop_table('task_links')
    op.drop_table('risk_alerts')
    with op.batch_alter_table('iterations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iterations_project_id'))

    op.drop_table('iterations')
