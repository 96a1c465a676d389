"""The demo data: deterministic, realistic in size and shape, and consistent with the pull feed.

Seeding takes seconds, so one demo per backend serves the whole module; its tests only read (or
try a change that is rejected).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from server.db import Database, migrate
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, PEOPLE, seed_demo, task_id
from server.security import Passwords
from sync.protocol import EXTENSION_KINDS
from tests.conftest import pg_database, test_settings
from tests.factories import Api, Person, rows

CJK = re.compile(r"[\u4e00-\u9fff]")
KNOWN = {
    "APP-1": "首页信息流改版：支持个性化推荐",
    "DOUBLE-1": "活动整体策划与预算",
    "FB-1": "【iOS】升级 5.2.0 后打开 App 闪退",
}


def cheap_passwords() -> Passwords:
    return Passwords(1, 1024)


def seeded_db(url: str) -> Database:
    db = Database(url)
    migrate(db.engine)
    assert seed_demo(db, passwords=cheap_passwords()) is True
    return db


def snapshot(db: Database) -> dict[str, list[Any]]:
    """What must be the same in every fresh demo: ids, numbers, texts, structure (not timestamps)."""
    queries = {
        "users": "SELECT id, email, display_name FROM users ORDER BY id",
        "projects": "SELECT id, key, kind, name, description FROM projects ORDER BY id",
        "members": "SELECT id, project_id, user_id, role FROM members WHERE NOT deleted ORDER BY id",
        "statuses": "SELECT id, project_id, name, category, position FROM statuses WHERE NOT deleted ORDER BY id",
        "tasks": "SELECT id, project_id, number, title, description, status_id, assignee_id, reporter_id, priority,"
        " type, labels, parent_id, position, estimate FROM tasks ORDER BY id",
        # A requester's portal reply gets a random id (as on the live portal): it is named by its ticket.
        "comments": "SELECT CASE WHEN author_id IS NULL THEN task_id ELSE id END AS key, task_id, author_id, body,"
        " mentions FROM comments ORDER BY key, body",
        "watches": "SELECT id FROM watches WHERE NOT deleted ORDER BY id",
        "notifications": "SELECT user_id, kind, task_id, actor_id, read_at IS NULL FROM notifications"
        " ORDER BY user_id, task_id, kind, actor_id, read_at IS NULL",
    }
    with db.read() as conn:
        return {name: [tuple(r) for r in conn.execute(sa.text(sql)).all()] for name, sql in queries.items()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the demo, seeded once per backend for this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"
        seeded_db(url).dispose()
        yield url
        return
    with pg_database(request, "keel_demo") as url:
        seeded_db(url).dispose()
        yield url


@pytest.fixture(scope="module")
def demo_app(demo_url: str) -> Iterator[Any]:
    from server.app import create_app

    application = create_app(test_settings(demo_url))
    yield application
    application.state.services.db.dispose()


@pytest.fixture(scope="module")
def demo_api(demo_app: Any) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    with TestClient(demo_app) as client:
        yield Api(client)


@pytest.fixture(scope="module")
def demo_pull(demo_api: Api) -> list[dict[str, Any]]:
    """Everything the demo user receives on a fresh device."""
    changes, revoked = demo_api.login(DEMO_EMAIL, DEMO_PASSWORD).pull_all()
    assert revoked == []
    return changes


def test_seeding_is_deterministic_across_databases(demo_app: Any, tmp_path: Any) -> None:
    fresh = seeded_db(f"sqlite:///{tmp_path}/fresh.db")
    try:
        a, b = snapshot(demo_app.state.services.db), snapshot(fresh)
        for name in a:
            assert a[name] == b[name], name
        assert task_id("APP-1") in {row[0] for row in a["tasks"]}
    finally:
        fresh.dispose()


def test_a_second_seed_skips_and_changes_nothing(demo_app: Any) -> None:
    db = demo_app.state.services.db
    before = snapshot(db)
    assert seed_demo(db, passwords=cheap_passwords()) is False
    assert snapshot(db) == before


def test_seed_skips_a_database_someone_already_uses(api: Api, app: Any) -> None:
    api.person("孙磊", email="sunlei@example.com")
    assert seed_demo(app.state.services.db, passwords=cheap_passwords()) is False
    with app.state.services.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 0


def test_people_projects_and_statuses(demo_pull: list[dict[str, Any]]) -> None:
    users = rows(demo_pull, "user")
    projects = {p["key"]: p for p in rows(demo_pull, "project").values()}
    statuses = rows(demo_pull, "status")
    assert len(users) == 6
    assert all(u["email"].endswith("@demo.keel") and CJK.search(u["display_name"]) for u in users.values())
    assert {key: p["kind"] for key, p in projects.items()} == {
        "APP": "product",
        "DOUBLE": "campaign",
        "FB": "service_desk",
    }
    assert {m["role"] for m in rows(demo_pull, "member").values()} == {"owner", "admin", "member", "viewer"}
    names = {
        key: [
            s["name"]
            for s in sorted(statuses.values(), key=lambda s: s["position"])
            if s["project_id"] == p["id"] and not s["deleted"]
        ]
        for key, p in projects.items()
    }
    assert names["APP"] == ["需求池", "设计中", "开发中", "测试中", "已上线"]
    assert names["FB"][0] == "待处理" and "已解决" in names["FB"]
    deleted = [s["name"] for s in statuses.values() if s["deleted"]]
    # The defaults made way for the project's own (the desk FB's are a desk's five, PROTOCOL-2.md).
    desk_defaults = ["待处理", "处理中", "等待用户回复", "已解决", "已关闭"]
    assert sorted(deleted) == sorted(["To do", "Doing", "Done"] * 2 + desk_defaults)


def test_tasks_look_like_real_work(demo_pull: list[dict[str, Any]]) -> None:
    projects = {p["key"]: p for p in rows(demo_pull, "project").values()}
    tasks = rows(demo_pull, "task")
    live = [t for t in tasks.values() if not t["deleted"]]
    assert 400 <= len(live) <= 560  # the desk's six months are most of it
    refs = {f"{k}-{t['number']}": t for k, p in projects.items() for t in live if t["project_id"] == p["id"]}
    for ref, title in KNOWN.items():
        assert refs[ref]["title"] == title
        assert refs[ref]["id"] == task_id(ref)
    assert sum(bool(CJK.search(t["title"])) for t in live) >= 0.95 * len(live)
    assert {t["type"] for t in live} == {"requirement", "task", "bug", "ticket", "milestone"}
    assert len({t["priority"] for t in live}) >= 4
    work = [t for t in live if t["type"] != "ticket"]  # a ticket has its category instead
    assert sum(bool(t["labels"]) for t in work) >= 0.8 * len(work)
    assert any(t["description"].startswith("## 背景") for t in live)  # markdown
    assert len({t["assignee_id"] for t in live}) >= 5
    subtasks = [t for t in live if t["parent_id"]]
    assert len(subtasks) >= 60
    assert all(tasks[t["parent_id"]]["type"] == "requirement" for t in subtasks)


def test_due_dates_are_relative_to_the_seeding(demo_pull: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    category = {s["id"]: s["category"] for s in rows(demo_pull, "status").values()}
    open_due = [
        datetime.fromisoformat(t["due_at"])
        for t in rows(demo_pull, "task").values()
        if t["due_at"] and category[t["status_id"]] != "done"
    ]
    assert sum(d < now for d in open_due) >= 10  # overdue
    assert sum(now < d <= now + timedelta(hours=24) for d in open_due) >= 5  # due soon
    assert sum(now + timedelta(days=2) < d for d in open_due) >= 20


def test_comments_mentions_and_an_inbox(demo_pull: list[dict[str, Any]]) -> None:
    users = {u["email"]: u["id"] for u in rows(demo_pull, "user").values()}
    comments = rows(demo_pull, "comment")
    assert len(comments) >= 100
    assert sum(bool(c["mentions"]) for c in comments.values()) >= 10
    assert any(c["author_id"] == users["chenjing@demo.keel"] for c in comments.values())  # the viewer speaks up
    notifications = rows(demo_pull, "notification").values()
    assert all(n["user_id"] == users[DEMO_EMAIL] for n in notifications)
    unread = {n["kind"] for n in notifications if n["read_at"] is None}
    assert {"mentioned", "commented", "status_changed"} <= unread
    assert any(n["read_at"] is not None for n in notifications)


def test_every_person_pulls_exactly_the_rows_the_tables_hold(demo_api: Api, demo_app: Any) -> None:
    people: dict[str, Person] = {p.handle: demo_api.login(p.email, DEMO_PASSWORD) for p in PEOPLE}
    seen_tasks: set[str] = set()
    with demo_app.state.services.db.read() as conn:

        def ids(sql: str, user: str) -> set[str]:
            return set(conn.execute(sa.text(sql), {"u": user}).scalars())

        for handle, person in people.items():
            changes, revoked = person.pull_all()
            assert revoked == []
            mine = ids(
                "SELECT id FROM notifications WHERE user_id = :u AND NOT deleted"
                f" AND kind NOT IN ({', '.join(repr(k) for k in sorted(EXTENSION_KINDS))})",  # only with `include`
                person.id,
            )
            assert set(rows(changes, "notification")) == mine, handle
            watched = ids("SELECT id FROM watches WHERE user_id = :u AND NOT deleted", person.id)
            assert set(rows(changes, "watch")) == watched, handle
            visible = ids(
                "SELECT t.id FROM tasks t JOIN members m ON m.project_id = t.project_id"
                " WHERE m.user_id = :u AND NOT m.deleted",
                person.id,
            )
            assert set(rows(changes, "task")) == visible, handle
            seen_tasks |= visible
        assert seen_tasks == set(conn.execute(sa.text("SELECT id FROM tasks")).scalars())


def test_the_viewer_reads_the_board_but_cannot_change_it(demo_api: Api) -> None:
    chenjing = demo_api.login("chenjing@demo.keel", DEMO_PASSWORD)
    changes, _ = chenjing.pull_all()
    assert task_id("APP-1") in rows(changes, "task")
    result = chenjing.do("task.update", {"id": task_id("APP-1"), "set": {"title": "改个标题"}})
    assert result["status"] == "rejected" and result["error"]["code"] == "forbidden"


def test_the_campaign_is_named_after_the_seeding_year(tmp_path: Any) -> None:
    """Its cards carry dates around the seeding time, so its name says that year (Beijing time), and
    the same cards (APP-1 included) are seeded whatever the year."""
    seeded_at = datetime(2031, 12, 31, 17, 0, tzinfo=UTC)  # already 2032 in Beijing
    db = Database(f"sqlite:///{tmp_path}/later.db")
    migrate(db.engine)
    try:
        assert seed_demo(db, passwords=cheap_passwords(), now=seeded_at) is True
        with db.read() as conn:
            names = dict(conn.execute(sa.text("SELECT key, name FROM projects")).all())
            first = conn.execute(sa.text("SELECT title FROM tasks WHERE id = :id"), {"id": task_id("APP-1")}).one()
        assert names["DOUBLE"] == "2032 双十一大促"
        assert first[0] == KNOWN["APP-1"]
    finally:
        db.dispose()
