"""The cache's tables: the server's rows (`base_*`), the optimistic view the UI reads, and local state.

Defined with SQLAlchemy Core on a MetaData of their own (the server's models never collide with
them); the DDL is compiled once and run through the sqlite3 driver, which every hot path uses.
Secondary indexes of the view, the label index and the trigram search index are "derived": a
bootstrap drops them, bulk-loads, and builds them afterwards (PERF-NOTES: 2-3 times faster).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from sync.entities import PROJECT_ROWS, REGISTRY

# Bump when a table changes; an older cache is rebuilt (outbox, rejections and client_id kept).
# 2: the search index is built after the board, in chunks (guarded triggers)
# 3: notification preferences (`notification_pref`); the rebuild pulls from 0, so the row arrives
# 4: task history (`task_event`)
# 5: planning (`task.iteration_id`, `iteration`, `task_link`)
# 6: the service desk (`ticket`, `sla_policy`, `status.pauses_sla`, `comment.visibility` and `author_name`)
SCHEMA_VERSION = 6

metadata = sa.MetaData()

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
COLUMNS: dict[str, tuple[str, ...]] = {e: ("id", "seq", *(name for name, _ in f)) for e, f in FIELDS.items()}


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
PLANNING_INDEXES = ("ix_task_work", "ix_task_event_field", "ix_task_iteration", "ix_task_milestone", "ix_task_link_to")

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

# Search-index updates waiting for `flush_search` (see TRIGGERS): a row per task rowid whose
# indexed text is stale, with what the index holds for it (nothing when `indexed` is 0).
search_queue_table = sa.Table(
    "task_fts_stale",
    metadata,
    sa.Column("rowid", Int, primary_key=True),
    sa.Column("indexed", Int, nullable=False),
    sa.Column("title", Text),
    sa.Column("description", Text),
)

# Local tables kept across a cache rebuild.
KEPT_TABLES = ("meta", "outbox", "rejected")

_dialect = sqlite.dialect()


def _ddl(element: sa.schema.ExecutableDDLElement) -> str:
    return str(element.compile(dialect=_dialect)).strip()


def create_tables_sql() -> list[str]:
    """CREATE TABLE (and base indexes) for every table, IF NOT EXISTS."""
    out: list[str] = []
    for table in metadata.sorted_tables:
        out.append(_ddl(CreateTable(table, if_not_exists=True)))
        if table.name.startswith("base_") or table.name == "task_label":
            out += [_ddl(CreateIndex(index, if_not_exists=True)) for index in table.indexes]
    return out


SEARCH_TABLE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS task_fts USING fts5("
    "title, description, content='task', content_rowid='rowid', tokenize='trigram')"
)

# The search index is filled after the board is queryable (PERF-NOTES: it is 60-75% of a bootstrap),
# in chunks of task rowids, each its own short transaction: meta `fts_upto` is the highest rowid
# indexed so far (-1: none; SEARCH_DONE: every row). The triggers keep only indexed rows current,
# and rows above the mark are picked up by the next chunk, so the index is exact at every commit.
SEARCH_DONE = 2**63 - 1
_FTS_UPTO = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_upto')"
# A local write must not pay for trigram indexing (about 0.17 ms, and FTS5's segment merges now
# and then): the triggers queue what changed in `task_fts_stale`, keeping the first version seen,
# which is what the index holds; `flush_search` brings the index up to date before a search and
# after each sync. (Not INSERT OR IGNORE: an upsert's conflict policy would override it.)
_QUEUE_OLD = (
    "INSERT INTO task_fts_stale(rowid, indexed, title, description) SELECT old.rowid, 1, old.title, old.description "
    "WHERE NOT EXISTS (SELECT 1 FROM task_fts_stale WHERE rowid = old.rowid); "
)
_QUEUE_NEW = (
    "INSERT INTO task_fts_stale(rowid, indexed) SELECT new.rowid, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM task_fts_stale WHERE rowid = new.rowid); "
)
# Triggers that keep the label index and the search index in step with the view's tasks.
TRIGGERS = {
    "task_derived_ai": "AFTER INSERT ON task BEGIN "
    "INSERT INTO task_label(task_id, label) SELECT new.id, value FROM json_each(new.labels); END",
    "task_derived_ad": "AFTER DELETE ON task BEGIN DELETE FROM task_label WHERE task_id = old.id; END",
    # A pull rewrites every column of a row (upsert): the WHEN clauses skip unchanged text and labels.
    "task_derived_au_labels": "AFTER UPDATE OF labels ON task WHEN old.labels IS NOT new.labels BEGIN "
    "DELETE FROM task_label WHERE task_id = old.id; "
    "INSERT INTO task_label(task_id, label) SELECT new.id, value FROM json_each(new.labels); END",
    "task_search_ai": f"AFTER INSERT ON task WHEN new.rowid <= {_FTS_UPTO} BEGIN {_QUEUE_NEW}END",
    "task_search_ad": f"AFTER DELETE ON task WHEN old.rowid <= {_FTS_UPTO} BEGIN {_QUEUE_OLD}END",
    "task_search_au": "AFTER UPDATE OF title, description ON task WHEN "
    f"(old.title IS NOT new.title OR old.description IS NOT new.description) AND old.rowid <= {_FTS_UPTO} BEGIN "
    + _QUEUE_OLD
    + "END",
}
# What `flush_search` runs: take the queued versions out of the index, put the current rows in.
SEARCH_FLUSH_SQL = (
    "INSERT INTO task_fts(task_fts, rowid, title, description) "
    "SELECT 'delete', rowid, title, description FROM task_fts_stale WHERE indexed = 1",
    "INSERT INTO task_fts(rowid, title, description) "
    "SELECT task.rowid, task.title, task.description FROM task_fts_stale AS q JOIN task ON task.rowid = q.rowid",
    "DELETE FROM task_fts_stale",
)


def drop_derived_sql() -> list[str]:
    """Statements that stop maintaining the derived indexes (before a bulk load), search included."""
    out = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]
    out += [f"DROP INDEX IF EXISTS {index.name}" for index in DERIVED_INDEXES]
    out += [
        SEARCH_TABLE_SQL,
        "INSERT INTO task_fts(task_fts) VALUES ('delete-all')",
        "DELETE FROM task_fts_stale",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_upto', '-1')",
    ]
    return out


def planning_index_sql(*, drop: bool = False) -> list[str]:
    """CREATE (or DROP) of the planning figures' indexes alone, for the bench's with-and-without."""
    chosen = [index for index in DERIVED_INDEXES if index.name in PLANNING_INDEXES]
    if drop:
        return [f"DROP INDEX IF EXISTS {index.name}" for index in chosen]
    return [_ddl(CreateIndex(index, if_not_exists=True)) for index in chosen]


def build_derived_sql() -> list[str]:
    """Statements that rebuild the board's derived indexes from the view and maintain them (and the
    search index, as far as it is built: see `search_chunk_sql`) from then on."""
    out = [_ddl(CreateIndex(index, if_not_exists=True)) for index in DERIVED_INDEXES]
    out += [
        "DELETE FROM task_label",
        "INSERT INTO task_label(task_id, label) SELECT task.id, j.value FROM task, json_each(task.labels) AS j",
        SEARCH_TABLE_SQL,
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('fts_upto', '-1')",
    ]
    out += [f"CREATE TRIGGER IF NOT EXISTS {name} {body}" for name, body in TRIGGERS.items()]
    return out


# One chunk of the search index: the next `limit` task rows above the mark (params: upto, limit).
SEARCH_CHUNK_END_SQL = "SELECT max(rowid) FROM (SELECT rowid FROM task WHERE rowid > ? ORDER BY rowid LIMIT ?)"
SEARCH_CHUNK_SQL = (
    "INSERT INTO task_fts(rowid, title, description) "
    "SELECT rowid, title, description FROM task WHERE rowid > ? AND rowid <= ?"
)


def all_table_names() -> list[str]:
    return [table.name for table in metadata.sorted_tables] + ["task_fts"]
