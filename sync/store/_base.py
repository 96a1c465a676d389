"""The store's foundation, under both faces: the SQLite file (WAL), its schema and version, the
sync state kept in `meta` (client_id, cursor, last_mutation_id, server, user), transactions and
change listeners. Nothing here is public but `open`: each face says what its callers may use.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from sync.store import _schema as schema
from sync.store._family import Touched
from sync.store._replay import by_entity

log = logging.getLogger("keel.store")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on `conn` (an autocommit connection): BEGIN IMMEDIATE, so the write
    lock is taken up front; COMMIT, or ROLLBACK on any exception. Inside an open one, joins it."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


_CACHED_META = frozenset({"user_id", "next_mutation_id"})  # written only through `_set_meta`
# The next mutation id is not written by every action: the outbox holds each id issued and not yet
# answered, and meta `next_mutation_id` is raised past every id that leaves it (the trigger
# `outbox_issued`, `_schema.OUTBOX_TRIGGER`), so the next id is the larger of the two.
_NEXT_ID_SQL = (
    "SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_mutation_id'), 1), "
    "coalesce((SELECT max(mutation_id) FROM outbox), 0) + 1)"
)
SEARCH_CHUNK = 5000  # tasks per transaction of the search index: about 0.2 s of trigram indexing
_SMALL = 20_000  # a cache this small gets its search index when opened


def fill_later(conn: sqlite3.Connection) -> None:
    """Builds the indexes a bootstrap left until after "done" (`schema.LATER_INDEXES`), if it did."""
    with immediate(conn):
        state = conn.execute("SELECT value FROM meta WHERE key = 'derived'").fetchone()
        if state is not None and state[0] == "board":
            for statement in schema.later_index_sql():
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('derived', 'ready')")


def fill_search(conn: sqlite3.Connection, chunk: int = SEARCH_CHUNK) -> None:
    """Indexes the tasks above meta `fts_upto`, a transaction per chunk, until every task is indexed.
    Does nothing while the derived indexes are down (a bulk load: its end starts the index over)."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('fts_upto', 'derived')").fetchall())
            upto = int(meta.get("fts_upto") or -1)
            if meta.get("derived") != "ready" or upto >= schema.SEARCH_DONE:
                conn.execute("COMMIT")
                return
            end = conn.execute(schema.SEARCH_CHUNK_END_SQL, (upto, chunk)).fetchone()[0]
            if end is not None:
                conn.execute(schema.SEARCH_CHUNK_SQL, (upto, end))
            mark = str(schema.SEARCH_DONE if end is None else end)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_upto', ?)", (mark,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@dataclass(frozen=True)
class Changes:
    """What one commit changed: entity -> ids of the view, and whether the outbox or rejections changed."""

    rows: dict[str, frozenset[str]] = field(default_factory=dict)
    outbox: bool = False
    rejections: bool = False
    source: str = "local"  # 'local' (an action), 'pull', 'push' or 'reset'

    @staticmethod
    def of(touched: Touched, **kw: Any) -> Changes:
        return Changes({e: frozenset(ids) for e, ids in by_entity(touched).items()}, **kw)

    def __bool__(self) -> bool:
        return bool(self.rows) or self.outbox or self.rejections


Listener = Callable[[Changes], None]


class StoreBase:
    """The file, its schema, the sync state in `meta`, transactions and listeners: private, shared
    by the app face (`_app_face`) and the engine face (`_engine_face`)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._listeners: list[Listener] = []
        # Write transactions, one at a time: a bootstrap applies its pages on a worker thread.
        self._writer = threading.RLock()
        # Meta values every local write reads (who is signed in, the next mutation id), kept in
        # memory while no other connection commits (`PRAGMA data_version` says when one did).
        self._cached: dict[str, str | None] = {}
        self._version = -1
        self._prepare()

    @classmethod
    def open(cls, path: str | Path) -> Self:
        """Opens (creating, migrating or rebuilding as needed) the store in the SQLite file `path`."""
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 10000")
        # No checkpoint on this connection: the UI writes through it, and an automatic checkpoint
        # (8-90 ms) would land on whichever write crosses the threshold. `maintain_detached`
        # runs them on a connection of its own (the engine, after each sync); closing checkpoints too.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return cls(conn, str(path))

    # --- schema ---------------------------------------------------------------------------

    def _prepare(self) -> None:
        with self._transaction():
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = None
            if "meta" in tables:
                version = self._meta("schema_version")
            if version is not None and int(version) != schema.SCHEMA_VERSION:
                self._drop_cache_tables(tables)
            for statement in schema.create_tables_sql():
                self.conn.execute(statement)
            if version is None or int(version) != schema.SCHEMA_VERSION:
                self._set_meta("schema_version", str(schema.SCHEMA_VERSION))
                self._set_meta("cursor", "0")
                self._set_meta("derived", "stale")
            if self._meta("client_id") is None:
                self._set_meta("client_id", str(uuid.uuid4()))
                self._set_meta("next_mutation_id", "1")
                self._set_meta("last_mutation_id", "0")
            if self._meta("derived") != "ready":
                self._build_derived()
        small = self.conn.execute("SELECT count(*) FROM (SELECT 1 FROM task LIMIT ?)", (_SMALL + 1,)).fetchone()[0]
        if not self._search_ready() and small <= _SMALL:
            fill_search(self.conn)  # a big cache whose index was cut short fills it on the next sync

    def _drop_cache_tables(self, tables: set[str]) -> None:
        """A cache from another schema version: drop everything but the outbox, rejections and meta."""
        for name in schema.TRIGGERS:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        self.conn.execute("DROP TABLE IF EXISTS task_fts")
        for name in tables - set(schema.KEPT_TABLES):
            if not name.startswith(("sqlite_", "task_fts")):
                self.conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        # The view of pending mutations is rebuilt on the next pull; their touched sets are stale.
        self.conn.execute("UPDATE outbox SET touched = '[]'")

    def _build_derived(self, *, later: bool = True) -> None:
        """The derived indexes, triggers and labels; without `later`, all but the `LATER_INDEXES`
        (meta `derived` says "board" until `fill_later` builds them)."""
        for statement in schema.build_derived_sql(later=later):
            self.conn.execute(statement)
        self._set_meta("derived", "ready" if later else "board")

    def _search_ready(self) -> bool:
        return self._meta("fts_upto") == str(schema.SEARCH_DONE)

    # --- transactions, meta and listeners -------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); nested use joins the outer one."""
        with self._writer:
            try:
                with immediate(self.conn) as conn:
                    yield conn
            except BaseException:
                self._cached.clear()  # it may hold values the rollback undid
                raise

    def _fresh(self) -> None:
        """Forgets the meta values kept in memory if another connection committed since they were read."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._cached.clear()
            self._version = version

    def _meta(self, key: str, *, fresh: bool = False) -> str | None:
        """A meta value; `fresh`: the caller has just called `_fresh` (inside its write transaction)."""
        cached = key in _CACHED_META
        if cached:
            if not fresh:
                self._fresh()
            if key in self._cached:
                return self._cached[key]
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value = None if row is None or row[0] is None else str(row[0])
        if cached:
            self._cached[key] = value
        return value

    def _set_meta(self, key: str, value: str | None) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        if key in _CACHED_META or key in self._cached:
            self._cached[key] = value

    def _meta_int(self, key: str) -> int:
        return int(self._meta(key) or 0)

    def _sparse(self) -> bool:
        """For an action, after `_fresh`: whether rows may still wait for their base copy (meta
        `base_sparse`, `_pull.BASE_SPARSE`), kept in memory. `fill_base` clears it with SQL of its
        own: a stale yes costs an action only base copies that are already there."""
        if "base_sparse" not in self._cached:
            self._cached["base_sparse"] = self._meta("base_sparse")
        return self._cached["base_sparse"] is not None

    def _next_mutation_id(self, *, fresh: bool = False) -> int:
        """The id the next action's mutation gets (see `_NEXT_ID_SQL`); `fresh` as for `_meta`."""
        if not fresh:
            self._fresh()
        value = self._cached.get("next_mutation_id")
        if value is None:
            value = str(self.conn.execute(_NEXT_ID_SQL).fetchone()[0])
            self._cached["next_mutation_id"] = value
        return int(value)

    def _listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, changes: Changes) -> None:
        """Tells every listener. A listener that raises is logged and skipped: it never reaches
        the writer (the sync engine, an action's caller) nor starves the listeners after it."""
        if changes:
            for listener in list(self._listeners):
                try:
                    listener(changes)
                except Exception:
                    log.exception("a change listener failed (%r); the others were still told", listener)

    def _new_client_id(self) -> str:
        client_id = str(uuid.uuid4())
        self._set_meta("client_id", client_id)
        self._set_meta("last_mutation_id", "0")
        if self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0:
            self._set_meta("next_mutation_id", "1")
        return client_id

    def _user(self) -> str:
        """The signed-in user's id, "" before anyone signs in."""
        return self._meta("user_id") or ""
