"""The local store on a real SQLite file: actions, replay, rollback, purge, search, subscription, schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fractional_indexing import generate_key_between

from sync.errors import InvalidMutation
from sync.ids import uuid7
from sync.store import SCHEMA_VERSION, Changes, Store, TaskFilter
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DOING, DONE = (f"0190a000-0000-7000-8000-0000000000b{n}" for n in (1, 2, 3))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "cache.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    yield s
    s.close()


def seed(store: Store) -> None:
    """A project the user owns, with its three statuses, as a pull from cursor 0 brings them."""
    store.apply_pull(
        f.page(
            f.user(),
            f.project(PID),
            f.member(PID),
            f.status(PID, DONE, "Done", "done", "a2"),
            f.status(PID, DOING, "Doing", "doing", "a1"),
            f.status(PID, TODO, "To do", "todo", "a0"),
        )
    )


def test_open_uses_wal_and_keeps_client_id_across_reopen(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "c.db")
    client_id = first.client_id
    assert first.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert first.schema_version == SCHEMA_VERSION and first.cursor == 0
    first.close()
    again = Store.open(tmp_path / "c.db")
    assert again.client_id == client_id
    again.close()


def test_task_create_mirrors_server_defaults_in_one_transaction(store: Store) -> None:
    seed(store)
    first = store.create_task(PID, "首页信息流改版")
    second = store.create_task(PID, "第二张卡")
    card = store.task(first)
    assert card is not None
    assert card["status_id"] == TODO  # the first todo status by (position, id)
    assert (card["priority"], card["type"], card["reporter_id"]) == ("none", "task", f.ME)
    assert card["number"] is None and card["key"] is None and card["pending"] is True
    assert card["position"] == generate_key_between(None, None)
    assert store.task(second)["position"] == generate_key_between(card["position"], None)  # type: ignore[index]
    # The outbox carries only what the person chose; the server fills in the rest the same way.
    entries = store.outbox()
    assert [e.mutation_id for e in entries] == [1, 2]
    assert entries[0].name == "task.create" and entries[0].args == {
        "id": first,
        "project_id": PID,
        "title": "首页信息流改版",
    }
    assert store.task_detail(first).watching  # type: ignore[union-attr]


def test_mutation_ids_are_never_issued_twice_across_connections_answers_and_reopens(tmp_path: Path) -> None:
    """An action keeps the next mutation id in memory and writes it only in its outbox row; an id that
    left the outbox (applied, rejected) is still never issued again, after a reopen or by another
    connection to the file (`keel` beside the app)."""
    path = tmp_path / "c.db"
    store = Store.open(path)
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    seed(store)
    tid = store.create_task(PID, "首页信息流改版")
    store.update_task(tid, title="改版一")
    other = Store.open(path)
    other.update_task(tid, title="别处改的")
    store.update_task(tid, title="改版二")
    assert [e.mutation_id for e in store.outbox()] == [1, 2, 3, 4]
    store.apply_pull(f.page(f.task(PID, TODO, tid, title="改版二"), lmid=4))  # the server applied all four
    assert store.outbox() == []
    store.close()
    other.close()
    again = Store.open(path)
    again.update_task(tid, title="又改")
    again.record_push({"last_mutation_id": 5, "results": [{"mutation_id": 5, "status": "rejected", "error": {}}]})
    assert again.outbox() == [] and [r.mutation_id for r in again.rejections()] == [5]
    again.close()
    last = Store.open(path)
    last.update_task(tid, title="最后")
    assert [e.mutation_id for e in last.outbox()] == [6] and last.last_issued == 6
    last.close()


def test_invalid_action_writes_nothing(store: Store) -> None:
    seed(store)
    with pytest.raises(InvalidMutation):
        store.create_task(PID, "")  # a blank title the server would refuse
    with pytest.raises(InvalidMutation):
        store.mutate("task.update", {"id": uuid7(), "set": {"labels": ["x"]}})  # labels are added and removed
    assert store.outbox() == [] and store.tasks(PID) == []


def test_labels_are_added_and_removed_never_overwritten(store: Store) -> None:
    seed(store)
    store.apply_pull(f.page(f.task(PID, TODO, "0190a000-0000-7000-8000-0000000000c1", labels=["bug", "ios"])))
    tid = "0190a000-0000-7000-8000-0000000000c1"
    store.update_task(tid, labels_add=["urgent", "bug"], labels_remove=["ios"])
    assert store.task(tid)["labels"] == ["bug", "urgent"]  # type: ignore[index]
    assert store.outbox()[-1].args == {"id": tid, "labels_add": ["urgent", "bug"], "labels_remove": ["ios"]}
    assert [t["id"] for t in store.tasks(PID, TaskFilter(label="urgent"))] == [tid]
    assert store.tasks(PID, TaskFilter(label="ios")) == []


def test_pull_rebases_pending_edits_and_drops_acknowledged_ones(store: Store) -> None:
    seed(store)
    base = f.task(PID, TODO, title="旧标题", priority="low")
    tid = base["row"]["id"]
    store.apply_pull(f.page(base))
    store.update_task(tid, title="我的标题")  # mutation 1, pending
    # Someone else changes the priority; our title edit is not yet acknowledged (lmid 0).
    store.apply_pull(f.page(f.change("task", **{**base["row"], "priority": "urgent"}), lmid=0))
    row = store.task(tid)
    assert (row["title"], row["priority"], row["pending"]) == ("我的标题", "urgent", True)  # type: ignore[index]
    # The server applied it: the base now has our title and the outbox entry goes.
    store.apply_pull(f.page(f.change("task", **{**base["row"], "priority": "urgent", "title": "我的标题"}), lmid=1))
    row = store.task(tid)
    assert (row["title"], row["pending"]) == ("我的标题", False)  # type: ignore[index]
    assert store.outbox() == [] and store.last_mutation_id == 1


def test_rejection_rolls_back_exactly_and_is_listed_until_dismissed(store: Store) -> None:
    seed(store)
    base = f.task(PID, TODO, title="原标题", labels=["a"])
    tid = base["row"]["id"]
    store.apply_pull(f.page(base))
    before = store.task(tid)
    store.update_task(tid, title="被拒的标题", labels_add=["b"])  # 1: will be rejected
    store.update_task(tid, priority="high")  # 2: will be applied
    seen: list[Changes] = []
    store.subscribe(seen.append)
    error = {"code": "forbidden", "message": "Your role cannot edit tasks."}
    rejected = store.record_push(
        {
            "last_mutation_id": 2,
            "results": [
                {"mutation_id": 1, "status": "rejected", "error": error},
                {"mutation_id": 2, "status": "applied"},
            ],
        }
    )
    row = store.task(tid)
    assert (row["title"], row["labels"], row["priority"]) == ("原标题", ["a"], "high")  # type: ignore[index]
    assert [(r.mutation_id, r.name, r.code, r.message) for r in rejected] == [
        (1, "task.update", "forbidden", "Your role cannot edit tasks.")
    ]
    assert rejected[0].args["set"] == {"title": "被拒的标题"}
    assert seen[-1].rejections and tid in seen[-1].rows["task"]
    assert [e.mutation_id for e in store.outbox()] == [2] and store.outbox_batch() == []  # 2 waits for a pull
    store.apply_pull(f.page(f.change("task", **{**base["row"], "priority": "high"}), lmid=2))
    assert store.task(tid) == {**before, "priority": "high", "seq": store.task(tid)["seq"]}  # type: ignore[index]
    store.dismiss(rejected[0].id)
    assert store.rejections() == [] and len(store.rejections(include_dismissed=True)) == 1


def test_local_delete_hides_subtasks_and_comments_until_rolled_back(store: Store) -> None:
    seed(store)
    parent = f.task(PID, TODO, title="父任务")
    child = f.task(PID, TODO, title="子任务", parent_id=parent["row"]["id"], position="a1")
    note = f.comment(parent["row"]["id"], PID)
    store.apply_pull(f.page(parent, child, note))
    store.delete_task(parent["row"]["id"])
    assert store.tasks(PID) == [] and store.task_detail(parent["row"]["id"]) is None
    # A comment arriving later on the locally deleted task stays hidden while the delete is pending.
    late = f.comment(child["row"]["id"], PID, body="迟到的评论")
    store.apply_pull(f.page(late))
    assert store.conn.execute("SELECT count(*) FROM comment").fetchone()[0] == 0
    store.record_push({"last_mutation_id": 1, "results": [{"mutation_id": 1, "status": "rejected", "error": {}}]})
    detail = store.task_detail(parent["row"]["id"])
    assert detail is not None and [t["title"] for t in detail.subtasks] == ["子任务"]
    assert [c["id"] for c in detail.comments] == [note["row"]["id"]]


def test_tombstones_remove_rows_and_a_row_changed_twice_in_one_page_keeps_its_last_version(store: Store) -> None:
    seed(store)
    keep = f.task(PID, TODO, title="留下")
    gone = f.task(PID, TODO, title="删除", position="a1")
    store.apply_pull(f.page(keep, gone))
    revived = f.change("member", **{**f.member(PID, f.OTHER, "viewer")["row"]})
    store.apply_pull(f.page(f.tombstone(gone), f.tombstone(revived), f.change("member", **revived["row"])))
    assert [t["title"] for t in store.tasks(PID)] == ["留下"]
    assert {m["user_id"] for m in store.members(PID)} == {f.ME, f.OTHER}


def test_revoked_project_is_purged_base_and_view(store: Store) -> None:
    seed(store)
    other_pid = uuid7()
    t = f.task(PID, TODO)
    mine = f.task(other_pid, TODO, title="另一个项目")
    store.apply_pull(
        f.page(
            t, f.comment(t["row"]["id"], PID), f.notification(PID, t["row"]["id"]), f.project(other_pid, "OPS"), mine
        )
    )
    store.apply_pull(f.page(f.change("watch", id=uuid7(), task_id=t["row"]["id"], user_id=f.ME)))
    store.update_task(t["row"]["id"], title="离线修改")
    store.apply_pull(f.page(revoked=[PID], cursor=store.cursor + 1))
    for table in ("project", "member", "status", "task", "comment", "notification", "watch"):
        for prefix in ("", "base_"):
            rows = store.conn.execute(f"SELECT * FROM {prefix}{table}").fetchall()
            assert all(PID not in tuple(r) for r in rows), (prefix, table)
    assert [p["key"] for p in store.projects()] == ["OPS"]
    assert store.unread_count() == 0
    assert [t["title"] for t in store.tasks()] == ["另一个项目"]


def test_search_finds_chinese_and_short_terms(store: Store) -> None:
    seed(store)
    store.apply_pull(
        f.page(
            f.task(PID, TODO, title="首页信息流改版：支持个性化推荐", description="推荐算法接入"),
            f.task(PID, TODO, title="修复 iOS 登录页闪退", description="用户反馈 crash", position="a1"),
            f.task(PID, DOING, title="双十一活动页", description="会场 UI 走查", position="a2"),
        )
    )
    store.create_task(PID, "离线新建：支付失败重试")
    titles = lambda q: sorted(t["title"] for t in store.search(q))  # noqa: E731
    assert titles("信息流") == ["首页信息流改版：支持个性化推荐"]
    assert titles("推荐算法") == ["首页信息流改版：支持个性化推荐"]  # description
    assert titles("登录") == ["修复 iOS 登录页闪退"]  # two characters: LIKE fallback
    assert titles("页") == ["修复 iOS 登录页闪退", "双十一活动页", "首页信息流改版：支持个性化推荐"]
    assert titles("ui") == ["双十一活动页"]
    assert titles("CRASH 闪退") == ["修复 iOS 登录页闪退"]
    assert titles("支付失败") == ["离线新建：支付失败重试"]  # optimistic rows are searchable at once
    assert titles("50%") == [] and titles("") == []
    tid = store.search("双十一")[0]["id"]
    store.update_task(tid, title="年货节活动页")
    assert titles("双十一") == [] and titles("年货节") == ["年货节活动页"]


def test_board_my_tasks_filters_and_notifications(store: Store) -> None:
    seed(store)
    cards = [
        f.task(
            PID, TODO, title="b", position="a1", assignee_id=f.ME, priority="high", due_at="2025-03-05T00:00:00.000000Z"
        ),
        f.task(PID, TODO, title="a", position="a0", assignee_id=f.OTHER),
        f.task(PID, DONE, title="done", position="a0", assignee_id=f.ME),
        f.task(PID, DOING, title="c", position="a0", assignee_id=f.ME, due_at="2025-03-02T00:00:00.000000Z"),
    ]
    store.apply_pull(
        f.page(*cards, f.notification(PID, cards[0]["row"]["id"]), f.notification(PID, None, read_at=f.T0))
    )
    board = store.board(PID)
    assert [c.status["name"] for c in board] == ["To do", "Doing", "Done"]
    assert [[t["title"] for t in c.tasks] for c in board] == [["a", "b"], ["c"], ["done"]]
    assert board[0].tasks[0]["key"] == "APP-1"
    assert [t["title"] for t in store.my_tasks()] == ["c", "b"]
    assert [t["title"] for t in store.my_tasks(include_done=True)] == ["c", "b", "done"]
    assert [t["title"] for t in store.tasks(PID, TaskFilter(priority="high"))] == ["b"]
    assert [t["title"] for t in store.tasks(PID, TaskFilter(due_before="2025-03-03T00:00:00+00:00"))] == ["c"]
    assert [t["title"] for t in store.tasks(PID, TaskFilter(assignee_id=f.OTHER))] == ["a"]
    assert store.unread_count() == 1 and len(store.notifications()) == 2
    store.read_all_notifications()
    assert store.unread_count() == 0 and store.notifications(unread_only=True) == []
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM task WHERE project_id = ? AND status_id = ? ORDER BY position, id",
        (PID, TODO),
    ).fetchall()
    assert "ix_task_board" in str([tuple(r) for r in plan])


def test_subscription_reports_entities_and_ids(store: Store) -> None:
    seed(store)
    seen: list[Changes] = []
    unsubscribe = store.subscribe(seen.append)
    tid = store.create_task(PID, "订阅")
    assert seen[-1].source == "local" and seen[-1].outbox and tid in seen[-1].rows["task"]
    pulled = f.task(PID, TODO, title="来自服务器")
    store.apply_pull(f.page(pulled))
    assert seen[-1].source == "pull" and pulled["row"]["id"] in seen[-1].rows["task"]
    unsubscribe()
    store.create_task(PID, "不再通知")
    assert len(seen) == 2


def test_new_schema_version_rebuilds_cache_but_keeps_outbox_and_client_id(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store.open(path)
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    seed(store)
    store.create_task(PID, "离线的卡片")
    client_id, outbox = store.client_id, store.outbox()
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    conn.execute("CREATE TABLE leftover_from_v0 (x)")
    conn.commit()
    conn.close()
    again = Store.open(path)
    assert again.schema_version == SCHEMA_VERSION and again.client_id == client_id and again.outbox() == outbox
    assert again.cursor == 0 and again.projects() == []
    tables = {r[0] for r in again.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "leftover_from_v0" not in tables
    seed(again)  # the next pull rebuilds the view with the pending card on top
    assert [t["title"] for t in again.tasks(PID)] == ["离线的卡片"]
    again.close()


def test_reset_cache_keeps_outbox_and_shows_pending_rows(store: Store) -> None:
    seed(store)
    store.create_task(PID, "保留")
    client_id = store.client_id
    store.reset_cache()
    assert store.cursor == 0 and store.client_id == client_id and len(store.outbox()) == 1
    assert store.projects() == []  # the base is gone; the pending card waits for its project
    seed(store)
    assert [t["title"] for t in store.tasks(PID)] == ["保留"]


def test_new_client_id_renumbers_unanswered_entries(store: Store) -> None:
    seed(store)
    for n in range(3):
        store.create_task(PID, f"卡片{n}")
    store.record_push({"last_mutation_id": 1, "results": [{"mutation_id": 1, "status": "applied"}]})
    old = store.client_id
    # A pull whose LMID is above anything this device issued: the cache was restored from a copy.
    store.apply_pull(f.page(lmid=9, cursor=store.cursor))
    assert store.client_id != old and store.last_mutation_id == 0
    assert [(e.mutation_id, e.args["title"]) for e in store.outbox()] == [(1, "卡片1"), (2, "卡片2")]
    assert store.create_task(PID, "新的") and store.outbox()[-1].mutation_id == 3


def test_bulk_pull_defers_derived_indexes(store: Store) -> None:
    seed(store)
    rows = [f.task(PID, TODO, title=f"批量任务{n}", position=f"a{n}", labels=["x"]) for n in range(5)]
    store.apply_pull(f.page(*rows), bulk=True)
    assert store.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_task_board'").fetchone()[0] == 0
    store.finish_bulk()
    assert len(store.search("批量任务")) == 5 and len(store.tasks(PID, TaskFilter(label="x"))) == 5
    assert store.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_task_board'").fetchone()[0] == 1


def test_users_no_project_shares_any_more_are_forgotten_at_the_end_of_a_pull(store: Store) -> None:
    seed(store)
    other_pid = uuid7()
    first = f.page(f.user(f.OTHER, "李娜", "lina@example.com"), f.member(PID, f.OTHER, "member"))
    store.apply_pull({**first, "has_more": True})  # mid-bootstrap: nothing is judged yet
    store.apply_pull(f.page(f.project(other_pid, "OPS"), f.member(other_pid, f.OTHER, "viewer")))
    assert store.user(f.OTHER) is not None
    store.apply_pull(f.page(revoked=[PID], cursor=store.cursor + 1))
    assert store.user(f.OTHER) is not None  # still shares OPS
    store.apply_pull(f.page(revoked=[other_pid], cursor=store.cursor + 1))
    # No tombstone comes for a user row (it did not change), yet it is not ours to keep.
    assert store.user(f.OTHER) is None and store.me() is not None
    assert store.conn.execute("SELECT count(*) FROM base_user WHERE id = ?", (f.OTHER,)).fetchone()[0] == 0
