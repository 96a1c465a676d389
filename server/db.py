"""Database engines, migrations and the single-writer transaction that serialises `seq`."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from server.events_rows import Commit, commit_payload
from server.tables import counters, server_secrets

POKE_CHANNEL = "keel_poke"
MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            pool_size=8,
            max_overflow=16,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # pysqlite's own transaction handling is off; writers take the write lock up front.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest Alembic revision (on SQLite and PostgreSQL alike)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several server processes may start at once; one migrates, the others wait.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72710001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    _ensure_rows(engine)


def _ensure_rows(engine: Engine) -> None:
    secrets_table = server_secrets
    with engine.begin() as conn:
        if conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).first() is None:
            conn.execute(_insert_ignore(engine, counters, {"name": "seq", "value": 0}))
        if conn.execute(sa.select(secrets_table.c.value).where(secrets_table.c.name == "jwt")).first() is None:
            conn.execute(_insert_ignore(engine, secrets_table, {"name": "jwt", "value": secrets.token_hex(32)}))


def _insert_ignore(engine: Engine, table: sa.Table, values: dict[str, object]) -> sa.Insert:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).values(**values).on_conflict_do_nothing()


def read_secret(engine: Engine, name: str) -> str:
    table = server_secrets
    with engine.connect() as conn:
        value = conn.execute(sa.select(table.c.value).where(table.c.name == name)).scalar_one()
    return str(value)


class Database:
    """An engine plus the writer discipline: one writer at a time, holding `seq` until commit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sqlite = is_sqlite(self.engine)
        self._write_lock = threading.Lock()
        # Names this process's NOTIFY of a commit it also pokes directly: its listener skips them.
        self.origin = secrets.token_hex(8)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that may allocate `seq`. Writers are serialised for its whole length."""
        if self.sqlite:
            with self._write_lock:
                conn = self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
                try:
                    with conn.begin():
                        yield conn
                finally:
                    conn.close()
        else:
            with self.engine.begin() as conn:
                conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq").with_for_update())
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one snapshot on SQLite (WAL), read committed on PostgreSQL."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def notify_in_tx(self, conn: Connection, users: set[str], cursor: int, commit: Commit | None = None) -> None:
        """PostgreSQL: a poke for every server process, delivered only if this transaction commits;
        with the commit's rows for streams that carry changes when they fit (server/events_rows.py)."""
        about = {**commit_payload(commit), "origin": self.origin} if commit is not None else {}
        payload = orjson.dumps({"cursor": cursor, "users": sorted(users), **about}).decode()
        if len(payload) > 7000 and commit is not None:  # NOTIFY payloads stop at 8000 bytes: no rows
            payload = orjson.dumps({"cursor": cursor, "users": sorted(users), **about, "rows": None}).decode()
        if len(payload) > 7000:  # still too long: poke everyone instead
            payload = orjson.dumps({"cursor": cursor, "all": True}).decode()
        conn.execute(sa.text("SELECT pg_notify(:channel, :payload)"), {"channel": POKE_CHANNEL, "payload": payload})

    def notify_signed_out(self, conn: Connection, family_id: str) -> None:
        """PostgreSQL: every server process ends the event streams of this sign-in once it commits."""
        if not self.sqlite:
            payload = orjson.dumps({"end_family": family_id}).decode()
            conn.execute(sa.text("SELECT pg_notify(:channel, :payload)"), {"channel": POKE_CHANNEL, "payload": payload})

    def dispose(self) -> None:
        self.engine.dispose()
