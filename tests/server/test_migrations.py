"""The Alembic history builds exactly the tables the models declare, on every backend."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.db import make_engine, migrate
from server.models import metadata


def test_migrations_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)  # a second run is a no-op, as when several processes start
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            tables = set(sa.inspect(conn).get_table_names())
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    finally:
        engine.dispose()
    assert {"feed", "tasks", "members", "refresh_tokens", "counters"} <= tables
    assert revision == "0010"


def test_seq_counter_and_signing_key_exist_after_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            seq = conn.exec_driver_sql("SELECT value FROM counters WHERE name = 'seq'").scalar_one()
            key = conn.exec_driver_sql("SELECT value FROM server_secrets WHERE name = 'jwt'").scalar_one()
    finally:
        engine.dispose()
    assert seq == 0
    assert len(key) == 64
