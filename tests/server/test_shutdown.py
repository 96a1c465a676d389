"""Shutting the server down leaves no database connection behind."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app
from tests.conftest import test_settings


def test_shutdown_waits_for_the_schedulers_database_work(db_url: str) -> None:
    # The reminder scheduler's first tick runs in a worker thread as the server starts. A shutdown
    # that cancelled it while the thread still held a pooled connection left that connection to
    # the garbage collector after the pool was disposed (a ResourceWarning in whichever test ran then).
    for _ in range(20):
        app = create_app(test_settings(db_url))
        try:
            with TestClient(app):
                pass
            assert app.state.services.db.engine.pool.checkedout() == 0
        finally:
            app.state.services.db.dispose()
