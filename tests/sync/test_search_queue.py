"""The search index's queue: local edits are indexed at the next search (or the engine's upkeep),
and the index then holds exactly the view's text, through edits, deletes and rollbacks."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from sync.store import Store
from tests.sync import factories as f
from tests.sync.test_store import PID, TODO, seed


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "cache.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    yield s
    s.close()


def _titles(store: Store, text: str) -> list[str]:
    return sorted(t["title"] for t in store.search(text))


def _assert_exact(store: Store) -> None:
    """FTS5 compares the index with its content table (the view's tasks): raises if they differ."""
    store.conn.execute("INSERT INTO task_fts(task_fts, rank) VALUES ('integrity-check', 1)")


def test_edits_queued_before_a_search_leave_the_index_exact(store: Store) -> None:
    seed(store)
    a, b = f.task(PID, TODO, title="首页信息流改版"), f.task(PID, TODO, title="支付失败重试", position="a1")
    store.apply_pull(f.page(a, b))
    store.build_search()
    store.update_task(a["row"]["id"], title="年货节活动页")
    store.update_task(a["row"]["id"], title="双十一会场", description="推荐算法接入")  # two edits, one queue entry
    store.delete_task(b["row"]["id"])
    created = store.create_task(PID, "离线新建：登录页闪退")
    # A local write leaves the trigram index alone: the new text is not in it yet.
    assert store.conn.execute("SELECT count(*) FROM task_fts WHERE task_fts MATCH '\"双十一\"'").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM task_fts_stale").fetchone()[0] > 0
    assert _titles(store, "信息流") == [] and _titles(store, "年货节") == []
    assert _titles(store, "双十一") == ["双十一会场"] and _titles(store, "推荐算法") == ["双十一会场"]
    assert _titles(store, "支付失败") == []
    assert [t["id"] for t in store.search("登录页闪退")] == [created]
    assert store.conn.execute("SELECT count(*) FROM task_fts_stale").fetchone()[0] == 0
    _assert_exact(store)


def test_a_rollback_and_the_engines_upkeep_keep_the_index_exact(store: Store) -> None:
    seed(store)
    a = f.task(PID, TODO, title="首页信息流改版")
    store.apply_pull(f.page(a))
    store.build_search()
    store.update_task(a["row"]["id"], title="被拒绝的标题")
    mutation_id = store.last_issued
    store.record_push(
        {"last_mutation_id": mutation_id, "results": [{"mutation_id": mutation_id, "status": "rejected"}]}
    )
    assert store.task(a["row"]["id"])["title"] == "首页信息流改版"
    store.maintain_detached()  # what the engine runs after each sync, on a connection of its own
    assert store.conn.execute("SELECT count(*) FROM task_fts_stale").fetchone()[0] == 0
    _assert_exact(store)
    assert _titles(store, "被拒绝") == [] and _titles(store, "信息流") == ["首页信息流改版"]


def test_a_search_waits_for_a_write_transaction_another_thread_has_open(store: Store) -> None:
    """A bootstrap writes its pages on a worker thread through the store's one connection: a search
    on the loop's thread must not flush the queue inside that thread's open transaction (its
    rollback, or its commit halfway through the search, would take the flush with it)."""
    seed(store)
    a = f.task(PID, TODO, title="首页信息流改版")
    store.apply_pull(f.page(a))
    store.build_search()
    store.update_task(a["row"]["id"], title="双十一会场")  # queued for the index
    inside, release = threading.Event(), threading.Event()

    def page_that_fails() -> None:
        with contextlib.suppress(RuntimeError), store.transaction():
            inside.set()
            release.wait()
            raise RuntimeError("the page's transaction rolls back")

    worker = threading.Thread(target=page_that_fails)
    worker.start()
    inside.wait()
    found: list[list[str]] = []
    searcher = threading.Thread(target=lambda: found.append(_titles(store, "双十一")))
    searcher.start()
    searcher.join(timeout=1.0)  # it waits for the worker's transaction (before the fix: it joined it)
    release.set()
    worker.join()
    searcher.join()
    assert found == [["双十一会场"]]
    assert store.conn.execute("SELECT count(*) FROM task_fts_stale").fetchone()[0] == 0
    _assert_exact(store)
