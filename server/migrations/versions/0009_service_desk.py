"""service desk (PROTOCOL-2.md): tickets, SLA policies, intake keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import server.models
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('desk_intake',
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('public_form', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_table('sla_policies',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('calendar', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('business_start', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('business_end', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('holidays', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('auto_close_days', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_policies_project_id'), ['project_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('requester_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('requester_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('first_response_due_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reopened_count', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('satisfaction_comment', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('escalated_task_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('first_response_warn_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution_warn_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('pauses', sa.Text(), nullable=False),
    sa.Column('rated_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('linked_done_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('auto_close_at', server.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_escalated', ['escalated_task_id'], unique=False)
        batch_op.create_index('ix_tickets_auto_close', ['auto_close_at', 'closed_at'], unique=False)
        batch_op.create_index('ix_tickets_first_response', ['first_response_at', 'first_response_warn_at'], unique=False)
        batch_op.create_index('ix_tickets_resolution', ['resolved_at', 'resolution_warn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='public'))
        batch_op.add_column(sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.alter_column('author_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)

    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pauses_sla', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('reporter_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('reporter_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False)
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('pauses_sla')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False)
        batch_op.drop_column('author_name')
        batch_op.drop_column('visibility')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_project_id'))
        batch_op.drop_index('ix_tickets_escalated')
        batch_op.drop_index('ix_tickets_auto_close')
        batch_op.drop_index('ix_tickets_first_response')
        batch_op.drop_index('ix_tickets_resolution')
    op.drop_table('tickets')
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_policies_project_id'))
    op.drop_table('sla_policies')
    op.drop_table('desk_intake')
