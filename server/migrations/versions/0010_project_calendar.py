"""a project's working-day calendar (docs/protocol.md, Additions): `projects.calendar`

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('calendar', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='cn')
        )


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('calendar')
