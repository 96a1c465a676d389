"""The cache's tables: the server's rows (`base_*`), the optimistic view the UI reads, and local state.

Defined with SQLAlchemy Core in `_tables.py` (on a MetaData of their own: the server's models never
collide with them); the DDL compiled from it is checked in as `_ddl.py`, so the client runs it
through the sqlite3 driver, which every hot path uses, without importing SQLAlchemy.
Secondary indexes of the view, the label index and the trigram search index are "derived": a
bootstrap drops them, bulk-loads, and builds them afterwards (PERF-NOTES: 2-3 times faster).
"""

from __future__ import annotations

from sync.entities import REGISTRY
from sync.store import _ddl

# Bump when a table changes; an older cache is rebuilt (outbox, rejections and client_id kept).
# 2: the search index is built after the board, in chunks (guarded triggers)
# 3: notification preferences (`notification_pref`); the rebuild pulls from 0, so the row arrives
# 4: task history (`task_event`)
# 5: planning (`task.iteration_id`, `iteration`, `task_link`)
# 6: the service desk (`ticket`, `sla_policy`, `status.pauses_sla`, `comment.visibility` and `author_name`)
# 7: a project's working-day calendar (`project.calendar`)
# 8: the covering board index and the queued search index (`task_fts_stale`)
SCHEMA_VERSION = 8

# entity -> its fields after `id` and `seq` (the wire model's, sync/entities.py), and its columns.
FIELDS: dict[str, tuple[str, ...]] = {name: tuple(entity.fields) for name, entity in REGISTRY.items()}
ENTITIES = tuple(FIELDS)
COLUMNS: dict[str, tuple[str, ...]] = {e: ("id", "seq", *f) for e, f in FIELDS.items()}

PLANNING_INDEXES = ("ix_task_work", "ix_task_event_field", "ix_task_iteration", "ix_task_milestone", "ix_task_link_to")

# Local tables kept across a cache rebuild.
KEPT_TABLES = ("meta", "outbox", "rejected")


# An action does not write meta `next_mutation_id` (one more page in its commit): its outbox row
# records the id. When an entry leaves the outbox (answered, rejected, dropped), this keeps the
# counter past it, so no id is issued twice (`_base._NEXT_ID_SQL`).
OUTBOX_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS outbox_issued AFTER DELETE ON outbox WHEN old.mutation_id >= "
    "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_mutation_id'), 0) BEGIN "
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_mutation_id', CAST(old.mutation_id + 1 AS TEXT)); END"
)


def create_tables_sql() -> list[str]:
    """CREATE TABLE (and base indexes) for every table, and the outbox's trigger, IF NOT EXISTS."""
    return [*_ddl.CREATE_TABLES, OUTBOX_TRIGGER]


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
    out += [f"DROP INDEX IF EXISTS {name}" for name in _ddl.DERIVED_INDEXES]
    out += [
        SEARCH_TABLE_SQL,
        "INSERT INTO task_fts(task_fts) VALUES ('delete-all')",
        "DELETE FROM task_fts_stale",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_upto', '-1')",
    ]
    return out


def planning_index_sql(*, drop: bool = False) -> list[str]:
    """CREATE (or DROP) of the planning figures' indexes alone, for the bench's with-and-without."""
    if drop:
        return [f"DROP INDEX IF EXISTS {name}" for name in PLANNING_INDEXES]
    return [_ddl.DERIVED_INDEXES[name] for name in PLANNING_INDEXES]


# Indexes of the task table a bootstrap builds after saying "done" (`later_index_sql`, beside the
# search index): the board's own index comes first, and a query these would serve is only slower
# until then (about 0.5 s of 100,000 tasks' bootstrap).
LATER_INDEXES = (
    "ix_task_assignee",
    "ix_task_priority",
    "ix_task_due",
    "ix_task_parent",
    "ix_task_work",
    "ix_task_iteration",
    "ix_task_milestone",
    "ix_task_event_field",
)


def later_index_sql() -> list[str]:
    return [_ddl.DERIVED_INDEXES[name] for name in LATER_INDEXES]


# The label table's indexes (created with the table, `_tables.py`), by name.
_LABEL_INDEXES = {
    statement.split(" ON ")[0].split()[-1]: statement
    for statement in _ddl.CREATE_TABLES
    if statement.startswith("CREATE INDEX") and " ON task_label " in statement
}


def build_derived_sql(*, later: bool = True) -> list[str]:
    """Statements that rebuild the board's derived indexes from the view and maintain them (and the
    search index, as far as it is built: see `search_chunk_sql`) from then on. Without `later`, the
    `LATER_INDEXES` are left for `later_index_sql`."""
    out = [sql for name, sql in _ddl.DERIVED_INDEXES.items() if later or name not in LATER_INDEXES]
    # The label table is filled with its two indexes dropped and built again afterwards: a sort
    # each, instead of 150,000 inserts at random places in both (0.4 s instead of 1.3-1.8 s at
    # 100,000 tasks, CPU).
    out += [f"DROP INDEX IF EXISTS {name}" for name in _LABEL_INDEXES]
    out += [
        "DELETE FROM task_label",
        "INSERT INTO task_label(task_id, label) SELECT task.id, j.value FROM task, json_each(task.labels) AS j",
        *_LABEL_INDEXES.values(),
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
    return [*_ddl.TABLE_NAMES, "task_fts"]
