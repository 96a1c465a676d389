"""service desk (PROTOCOL-2.md): tickets, SLA policies, intake keys; and planning's task column

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _planning_upgrade() -> None:
    # Planning's `task.iteration_id` (its own 0008_planning adds the same column; drop this at merge).
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iteration_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))


def _planning_downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('iteration_id')


def upgrade() -> None:
    _planning_upgrade()


def downgrade() -> None:
    _planning_downgrade()
