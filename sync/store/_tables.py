"""The cache's tables, defined with SQLAlchemy Core: the source of truth of the store's schema.

Only this module and the checks import SQLAlchemy: the client (app, `keel`) runs the DDL compiled
from it, which `python -m sync.store._tables` writes to `sync/store/_ddl.py` (a test checks that
the checked-in file matches). Importing SQLAlchemy costs about 16 MB and, for `keel status`, most
of its start-up (docs/benchmarks.md). Change a table here, bump `SCHEMA_VERSION` in `_schema.py`,
and regenerate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from sync.entities import PROJECT_ROWS, REGISTRY

Text, Int, Real = sa.Text, sa.Integer, sa.Float

# entity -> its columns after `id` and `seq`, with SQL types, from the wire model (sync/entities.py).
# JSON lists and objects are TEXT, booleans INTEGER; a value of any type (an event's old and new)
# is a BLOB column, whose affinity keeps text, numbers and null as they are.
_SQL_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {"int": Int, "float": Real, "bool": Int, "any": sa.LargeBinary}
FIELDS: dict[str, tuple[tuple[str, type[sa.types.TypeEngine[Any]]], ...]] = {
    name: tuple((field, _SQL_TYPES.get(kind, Text)) for field, kind in entity.fields.items())
    for name, entity in REGISTRY.items()
}
ENTITIES = tuple(FIELDS)

metadata = sa.MetaData()


def _entity_table(name: str, entity: str, *, view: bool) -> sa.Table:
    columns: list[sa.Column[object]] = [sa.Column("id", Text, primary_key=True), sa.Column("seq", Int)]
    columns += [sa.Column(field, kind) for field, kind in FIELDS[entity]]
    if view:
        # 1 while a pending mutation has touched the row: the UI marks it as not yet synced.
        columns.append(sa.Column("pending", Int, nullable=False, server_default="0"))
    return sa.Table(name, metadata, *columns)


BASE = {e: _entity_table(f"base_{e}", e, view=False) for e in ENTITIES}
VIEW = {e: _entity_table(e, e, view=True) for e in ENTITIES}

# Base tables: what a purge by project needs (kept during bulk loads: cheap, and purges are rare).
for _entity in PROJECT_ROWS:
    sa.Index(f"ix_base_{_entity}_project", BASE[_entity].c.project_id)
for _entity, _spec in REGISTRY.items():
    if _spec.via is not None and _spec.project_key is not None:
        sa.Index(f"ix_base_{_entity}_{_spec.via}", BASE[_entity].c[_spec.project_key])

# View tables: the UI's queries. These are derived: dropped during a bootstrap, built after it.
_t, _c, _n, _e = VIEW["task"].c, VIEW["comment"].c, VIEW["notification"].c, VIEW["task_event"].c
DERIVED_INDEXES = [
    # Covering: a board column is read from the index alone (`families.tasks.read_cards`).
    sa.Index(
        "ix_task_board",
        *(_t.project_id, _t.status_id, _t.position, _t.id, _t.number, _t.title, _t.assignee_id, _t.priority),
        *(_t.due_at, _t.labels, _t.pending),
    ),
    sa.Index("ix_task_assignee", _t.assignee_id, _t.due_at),
    sa.Index("ix_task_priority", _t.project_id, _t.priority),
    sa.Index("ix_task_due", _t.project_id, _t.due_at),
    sa.Index("ix_task_parent", _t.parent_id),
    sa.Index("ix_comment_task", _c.task_id, _c.created_at, _c.id),
    sa.Index("ix_comment_project", _c.project_id),
    sa.Index("ix_notification_user", _n.user_id, _n.created_at),
    sa.Index("ix_notification_unread", _n.user_id, _n.created_at, sqlite_where=_n.read_at.is_(None)),
    sa.Index("ix_member_project", VIEW["member"].c.project_id, VIEW["member"].c.user_id),
    sa.Index("ix_member_user", VIEW["member"].c.user_id),
    sa.Index("ix_status_project", VIEW["status"].c.project_id, VIEW["status"].c.position),
    sa.Index("ix_watch_task", VIEW["watch"].c.task_id),
    sa.Index("ix_project_key", VIEW["project"].c.key),
    sa.Index("ix_task_event_task", _e.task_id, _e.at, _e.id),
    # Planning's figures (sync/planning, docs/metrics.md); without them the 100,000-task dashboard
    # takes 1-1.5 s instead of about 0.15 s (bench/dashboard.py).
    # The dashboard's pass over a project's work: every column it reads, in the order it groups them.
    sa.Index("ix_task_work", _t.project_id, _t.assignee_id, _t.status_id, _t.type, _t.due_at, _t.estimate),
    # The status events of a project's window (throughput, completions), covering what they read.
    sa.Index("ix_task_event_field", _e.project_id, _e.field, _e.at, _e.task_id, _e.old, _e.new),
    # An iteration's tasks (burndown, risk flags) and a project's milestones (few: a partial index).
    sa.Index("ix_task_iteration", _t.iteration_id),
    sa.Index("ix_task_milestone", _t.project_id, _t.due_at, sqlite_where=_t.type == "milestone"),
    # The predecessors of a task through `blocks` links (a milestone's open work).
    sa.Index("ix_task_link_to", VIEW["task_link"].c.to_id, VIEW["task_link"].c.kind),
    # The successors of a task through `blocks` links (the store's offline cycle check) and its links.
    sa.Index("ix_task_link_from", VIEW["task_link"].c.from_id, VIEW["task_link"].c.kind),
]
meta_table = sa.Table("meta", metadata, sa.Column("key", Text, primary_key=True), sa.Column("value", Text))
outbox_table = sa.Table(
    "outbox",
    metadata,
    sa.Column("mutation_id", Int, primary_key=True, autoincrement=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("args", Text, nullable=False),
    sa.Column("created_at", Text, nullable=False),
    # 'pending' until the server answers; 'applied' (or duplicate) until a pull covers it.
    sa.Column("state", Text, nullable=False, server_default="pending"),
    # JSON [[entity, id], ...]: the rows its optimistic change touched at the last replay.
    sa.Column("touched", Text, nullable=False, server_default="[]"),
)
rejected_table = sa.Table(
    "rejected",
    metadata,
    sa.Column("id", Int, primary_key=True, autoincrement=True),
    sa.Column("client_id", Text, nullable=False),
    sa.Column("mutation_id", Int, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("args", Text, nullable=False),
    sa.Column("code", Text, nullable=False),
    sa.Column("message", Text, nullable=False),
    sa.Column("details", Text, nullable=False, server_default="[]"),
    sa.Column("created_at", Text, nullable=False),
    sa.Column("rejected_at", Text, nullable=False),
    sa.Column("dismissed", Int, nullable=False, server_default="0"),
)
task_label_table = sa.Table(
    "task_label",
    metadata,
    sa.Column("task_id", Text, nullable=False),
    sa.Column("label", Text, nullable=False),
    sa.Index("ix_task_label", "label", "task_id"),
    sa.Index("ix_task_label_task", "task_id"),
)

# Search-index updates waiting for `flush_search` (see TRIGGERS in _schema.py): a row per task rowid
# whose indexed text is stale, with what the index holds for it (nothing when `indexed` is 0).
search_queue_table = sa.Table(
    "task_fts_stale",
    metadata,
    sa.Column("rowid", Int, primary_key=True),
    sa.Column("indexed", Int, nullable=False),
    sa.Column("title", Text),
    sa.Column("description", Text),
)

_dialect = sqlite.dialect()


def _ddl(element: sa.schema.ExecutableDDLElement) -> str:
    return str(element.compile(dialect=_dialect)).strip()


def _literal(text: str) -> str:
    """A Python string literal as `ruff format` writes it (the DDL is ASCII): double quotes, or
    single ones around a text holding double quotes and no single ones."""
    if '"' in text and "'" not in text:
        return "'" + json.dumps(text)[1:-1].replace('\\"', '"') + "'"
    return json.dumps(text)


def render() -> str:
    """The text of `sync/store/_ddl.py`: every statement compiled for SQLite."""
    tables: list[str] = []
    for table in metadata.sorted_tables:
        tables.append(_ddl(CreateTable(table, if_not_exists=True)))
        if table.name.startswith("base_") or table.name == "task_label":
            indexes = sorted(table.indexes, key=lambda index: str(index.name))
            tables += [_ddl(CreateIndex(index, if_not_exists=True)) for index in indexes]
    derived = {str(index.name): _ddl(CreateIndex(index, if_not_exists=True)) for index in DERIVED_INDEXES}
    lines = [
        '"""The store\'s DDL, compiled from `sync/store/_tables.py` by `python -m sync.store._tables`: do not edit."""',
        "",
        "# ruff: noqa: E501",
        "",
        "# CREATE TABLE (and the indexes of base tables and labels) for every table, IF NOT EXISTS.",
        "CREATE_TABLES: tuple[str, ...] = (",
        *(f"    {_literal(statement)}," for statement in tables),
        ")",
        "",
        "# The view's derived indexes, by name: dropped during a bootstrap, built after it.",
        "DERIVED_INDEXES: dict[str, str] = {",
        *(f"    {_literal(name)}: {_literal(statement)}," for name, statement in derived.items()),
        "}",
        "",
        "TABLE_NAMES: tuple[str, ...] = (",
        *(f"    {_literal(table.name)}," for table in metadata.sorted_tables),
        ")",
        "",
    ]
    return "\n".join(lines)


DDL_FILE = Path(__file__).with_name("_ddl.py")

if __name__ == "__main__":
    DDL_FILE.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DDL_FILE}\n")
