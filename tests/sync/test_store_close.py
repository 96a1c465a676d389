"""Closing the store while a bootstrap writes a page on a worker thread (the app signed out or its
window closed mid-bootstrap). The engine's task is cancelled at once, but the thread writing the
page runs on; closing its SQLite connection under it crashed the process (a segmentation fault
in `sync/store/_pull.py`, seen in CI). `close` waits for the write to finish."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from sync.store import Store
from tests.sync import factories as f
from tests.sync.test_store import PID, TODO, seed


def test_close_waits_for_the_write_another_thread_has_open(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    seed(store)
    inside, release = threading.Event(), threading.Event()
    wrote: list[int] = []

    def page_being_written() -> None:
        with contextlib.suppress(sqlite3.ProgrammingError), store.transaction() as conn:
            inside.set()
            release.wait()
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', '1')")
            wrote.append(conn.execute("SELECT count(*) FROM meta WHERE key = 'probe'").fetchone()[0])

    worker = threading.Thread(target=page_being_written)
    worker.start()
    inside.wait()
    closer = threading.Thread(target=store.close)
    closer.start()
    try:
        closer.join(timeout=0.5)
        waited = closer.is_alive()  # it waits for the worker's transaction (before the fix: closed under it)
    finally:
        release.set()
        worker.join()
        closer.join()
    assert waited
    assert wrote == [1]
    again = Store.open(tmp_path / "store.db")
    assert again.conn.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0] == "1"
    again.close()


def test_a_page_applied_on_a_worker_thread_is_whole_or_absent_after_close(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    seed(store)
    rows = [f.task(PID, TODO, title=f"任务 {n}") for n in range(3000)]

    def apply() -> None:
        with contextlib.suppress(sqlite3.ProgrammingError):  # closed before the page began: nothing written
            store.apply_pull(f.page(*rows), bulk=True, emit=False)

    worker = threading.Thread(target=apply)
    worker.start()
    store.close()
    worker.join()
    again = Store.open(tmp_path / "store.db")
    assert again.conn.execute("SELECT count(*) FROM task").fetchone()[0] in (0, 3000)
    again.close()
