"""The bootstrap path (issue 14): precompiled DDL, compact pages, view-only rows and their base copies."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.settings import Settings
from sync.store import Store
from sync.store import _ddl as ddl
from sync.store import _tables as tables
from tests.live_server import live_server
from tests.sync.devices import cache, register, sign_in
from tests.sync.factories import ME, page, project, status, task, user

ROOT = Path(__file__).resolve().parents[2]
PID, SID = "0190a000-0000-7000-8000-0000000000a1", "0190a000-0000-7000-8000-0000000000b1"


def test_checked_in_ddl_is_the_one_the_tables_compile_to() -> None:
    # Regenerate with `python -m sync.store._tables` after changing sync/store/_tables.py.
    assert Path(ddl.__file__).read_text(encoding="utf-8") == tables.render()


def _bootstrapped(tmp_path: Path) -> tuple[Store, dict[str, object]]:
    store = Store.open(tmp_path / "store.db")
    store.set_account("http://127.0.0.1:9", ME, "wangwei@example.com")
    row = task(PID, SID, title="活动页首屏", labels=["前端"])
    store.apply_pull(page(user(), project(PID), status(PID, SID, "待办", "todo", "a0"), row), bulk=True)
    store.finish_bulk(search=False)
    return store, row["row"]


def test_a_rejected_edit_after_a_view_only_bootstrap_rolls_back_to_the_server_row(tmp_path: Path) -> None:
    store, row = _bootstrapped(tmp_path)
    assert store.base_sparse  # the bootstrap wrote the view alone
    before = store.task(str(row["id"]))
    store.update_task(str(row["id"]), title="改了")
    store.delete_task(str(row["id"]))
    refused = {"status": "rejected", "error": {"code": "forbidden", "message": "no"}}
    results = [{"mutation_id": entry.mutation_id, **refused} for entry in store.outbox()]
    store.record_push({"last_mutation_id": len(results), "results": results})
    assert store.task(str(row["id"])) == before  # not gone, not changed: exactly the server's row


def test_fill_base_copies_what_the_bootstrap_left_out(tmp_path: Path) -> None:
    store, _ = _bootstrapped(tmp_path)
    assert store.conn.execute("SELECT count(*) FROM base_task").fetchone()[0] == 0
    store.build_search()
    assert not store.base_sparse and store.search_ready
    for entity in ("project", "status", "task"):
        base = [tuple(r) for r in store.conn.execute(f"SELECT * FROM base_{entity} ORDER BY id")]
        view = [tuple(r)[:-1] for r in store.conn.execute(f"SELECT * FROM {entity} ORDER BY id")]  # minus pending
        assert base == view and base, entity


async def test_compact_pages_carry_the_v1_rows_and_bootstrap_the_same_cache(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner = await sign_in(url, tmp_path / "a.db", await register(url, "王伟"))
        await owner.engine.sync()
        pid = owner.store.create_project("产品迭代", "APP", kind="product")
        sid = owner.store.statuses(pid)[0]["id"]
        for n in range(30):
            owner.store.create_task(pid, f"任务 {n}", labels=["前端"] if n % 2 else [])
        owner.store.update_task(owner.store.tasks(pid)[0]["id"], priority="high")
        owner.store.delete_task(owner.store.tasks(pid)[1]["id"])
        assert sid
        await owner.engine.sync()
        headers = {"Authorization": f"Bearer {owner.remote.auth.access_token}"}
        with httpx.Client(base_url=url + "/api/v1", headers=headers) as http:
            query = {"cursor": 0, "limit": 5000, "include": "task_event"}
            v1 = http.get("/sync/pull", params=query).json()
            compact = http.get("/sync/pull", params={**query, "format": "columns"}).json()
        assert "tables" not in v1  # the contract's page unless asked
        assert {k: v for k, v in compact.items() if k not in ("changes", "tables")} == {
            k: v for k, v in v1.items() if k != "changes"
        }
        assert compact["changes"] == []
        rows = [
            {"entity": t["entity"], "seq": r[t["columns"].index("seq")], "row": dict(zip(t["columns"], r, strict=True))}
            for t in compact["tables"]
            for r in t["rows"]
        ]
        assert sorted(rows, key=lambda c: c["seq"]) == v1["changes"]
        # A second device bootstraps through compact pages (two rows a page) and caches what the first has.
        other = await sign_in(url, tmp_path / "b.db", owner.email)
        other.engine.bootstrap_page_limit = 2
        report = await other.engine.sync()
        assert report.pages > 10 and other.store.search_ready and not other.store.base_sparse
        for entity in ("user", "project", "member", "status", "task"):
            assert cache(other.store, entity) == cache(owner.store, entity), entity
        await owner.close()
        await other.close()
