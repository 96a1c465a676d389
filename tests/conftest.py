"""Shared fixtures: a real server app on a real database (a SQLite file, or PostgreSQL when configured)."""

from __future__ import annotations

import contextlib
import gc
import os
import uuid
from collections.abc import Iterator

import pytest

from tests.factories import Api

PG_URL_ENV = "KEEL_TEST_POSTGRES_URL"
REQUIRE_ENV = "KEEL_REQUIRE_ALL_BACKENDS"


def missing(reason: str) -> None:
    """Skips a test whose environment is missing, or fails it where CI demands every backend."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 forbids skipping)")
    pytest.skip(reason)


def pytest_report_header() -> list[str]:
    pg = os.environ.get(PG_URL_ENV)
    return [f"postgresql: {'at ' + pg.split('@')[-1] if pg else 'not configured (' + PG_URL_ENV + '); its tests skip'}"]


@pytest.fixture(scope="session")
def pg_admin_url() -> str | None:
    return os.environ.get(PG_URL_ENV)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str | None) -> str | None:
    """A migrated template database; each test copies it (CREATE DATABASE … TEMPLATE is fast)."""
    if not pg_admin_url:
        return None
    import sqlalchemy as sa

    from server.db import make_engine, migrate

    name = f"keel_tpl_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/server.db"
        return
    with pg_database(request, "keel_t") as url:
        yield url


@contextlib.contextmanager
def pg_database(request: pytest.FixtureRequest, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database copied from the migrated template, dropped afterwards."""
    admin_url = request.getfixturevalue("pg_admin_url")
    if not admin_url:
        missing(f"PostgreSQL is not configured: set {PG_URL_ENV}")
    template = request.getfixturevalue("pg_template")
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        # A connection left open by the test is found here, and fails that test, rather than
        # warning from the garbage collector in whichever test runs when it happens to run.
        gc.collect()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_settings(db_url: str, **overrides: object):  # type: ignore[no-untyped-def]
    from server.settings import get_settings

    values: dict[str, object] = {
        "database_url": db_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "login_limit_per_email": 1000,
        "login_limit_per_address": 100_000,
        "reminder_interval_s": 3600.0,
    }
    values.update(overrides)
    return get_settings(**values)


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def settings(db_url: str):  # type: ignore[no-untyped-def]
    return test_settings(db_url)


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    from server.app import create_app

    application = create_app(settings)
    yield application
    application.state.services.db.dispose()


@pytest.fixture
def api(app) -> Iterator[Api]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield Api(client)
