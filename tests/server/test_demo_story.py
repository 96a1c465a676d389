"""The demo's story, read the way the app reads it: the demo is seeded into a real server database,
王伟 pulls it into a real client store over HTTP, and the planning figures (sync.planning) and the
desk's rows tell the story the issues ask for. Events replayed give each task's current row."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.db import Database, migrate
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, project_id, seed_demo
from server.demo_desk import months
from server.demo_plan import Plan
from server.demo_timeline import MILESTONE, iteration_id
from server.security import Passwords
from sync.engine import Remote, SyncEngine
from sync.planning import burndown, performance, risk_flags
from sync.similar import frequent_problems
from sync.store import Store
from sync.tokens import MemoryTokenStore
from tests.conftest import pg_database, test_settings
from tests.live_server import live_server
from tests.sync.devices import FAST

NOW = datetime.now(UTC)


async def _pull(url: str, path: Path) -> None:
    remote = Remote(url, MemoryTokenStore())
    user = await remote.login(DEMO_EMAIL, DEMO_PASSWORD)
    store = Store.open(path)
    store.set_account(url, str(user["id"]), DEMO_EMAIL)
    try:
        await SyncEngine(store, remote, backoff=FAST).sync()
    finally:
        await remote.aclose()
        store.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """王伟's client cache after a fresh demo on each backend (seeded once per module)."""
    folder = tmp_path_factory.mktemp("story")

    def seeded(url: str) -> Iterator[sqlite3.Connection]:
        db = Database(url)
        migrate(db.engine)
        assert seed_demo(db, passwords=Passwords(1, 1024), now=NOW)
        db.dispose()
        with live_server(test_settings(url)) as base:
            asyncio.run(_pull(base, folder / "client.db"))
        conn = sqlite3.connect(folder / "client.db")
        yield conn
        conn.close()

    if request.param == "sqlite":
        yield from seeded(f"sqlite:///{folder}/server.db")
        return
    with pg_database(request, "keel_story") as url:
        yield from seeded(url)


def _rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return conn.execute(sql, params).fetchall()


def test_app_has_four_closed_iterations_and_an_active_one_whose_scope_grew(cache: sqlite3.Connection) -> None:
    states = _rows(cache, "SELECT id, state FROM iteration WHERE project_id = ? ORDER BY start_on", project_id("APP"))
    assert [s for _, s in states] == ["closed"] * 4 + ["active"]
    active = burndown(cache, iteration_id(4), now=NOW)
    assert active.last.added_count > 0 and active.last.done_count > 0
    spilled = [burndown(cache, iteration_id(k), now=NOW).last.remaining_count for k in range(4)]
    assert sum(spilled) > 0  # unfinished work rolled over
    rolled = _rows(cache, "SELECT count(*) FROM task_event WHERE field = 'iteration_id' AND old IS NOT NULL")
    assert rolled[0][0] > 0


def test_the_release_milestone_is_at_risk_behind_chains(cache: sqlite3.Connection) -> None:
    (milestone,) = _rows(cache, "SELECT id FROM task WHERE title = ? AND type = 'milestone'", MILESTONE)[0]
    flags = [f for f in risk_flags(cache, project_id("APP"), now=NOW) if f.kind == "milestone_late"]
    assert [f.subject_id for f in flags] == [milestone] and len(flags[0].task_ids) >= 5
    links = _rows(cache, "SELECT from_id, to_id FROM task_link WHERE kind = 'blocks'")
    after = defaultdict(set)
    for a, b in links:
        after[a].add(b)

    def depth(task: str) -> int:
        return 1 + max((depth(n) for n in after[task]), default=0)

    assert max(depth(a) for a, _ in links) >= 4  # 设计 → 开发 → 测试 → 发布


def test_a_person_has_evidence_for_a_review(cache: sqlite3.Connection) -> None:
    (zhang,) = _rows(cache, "SELECT id FROM user WHERE email = 'zhangqiang@demo.keel'")[0]
    today = (NOW + timedelta(hours=8)).date()
    found = performance(cache, zhang, today - timedelta(days=70), today, now=NOW)
    assert len(found.done_ids) >= 5 and found.on_time_rate is not None and 0 < found.on_time_rate < 1
    assert found.median_cycle_days is not None and len(found.reopened_ids) == 1


def test_the_campaign_fits_on_one_screen(cache: sqlite3.Connection) -> None:
    (first, last, undated) = _rows(
        cache, "SELECT min(start_at), max(due_at), sum(start_at IS NULL) FROM task WHERE project_id = ?",
        project_id("DOUBLE"),
    )[0]  # fmt: skip
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    assert undated == 0 and timedelta(weeks=3) <= span <= timedelta(weeks=5)


def test_events_replayed_give_each_tasks_current_row(cache: sqlite3.Connection) -> None:
    fields = ("status_id", "assignee_id", "iteration_id", "due_at", "priority")
    tasks = _rows(cache, f"SELECT id, {', '.join(fields)} FROM task ORDER BY id")
    assert len(tasks) > 300
    for row in tasks[::7]:
        events = _rows(cache, "SELECT field, old, new FROM task_event WHERE task_id = ? ORDER BY at, seq", row[0])
        assert events[0][0] == "created"
        for i, field in enumerate(fields, 1):
            changes = [(old, new) for f, old, new in events if f == field]
            for (_, new), (old, _) in itertools.pairwise(changes):
                assert new == old, (row[0], field)  # each change starts where the last one ended
            if changes:
                value, current = changes[-1][1], row[i]
                if field == "due_at" and value is not None:
                    value, current = datetime.fromisoformat(value), datetime.fromisoformat(current)
                assert value == current, (row[0], field)


def _month(created: str) -> date:
    return (datetime.fromisoformat(created) + timedelta(hours=8)).date().replace(day=1)


def test_the_desk_resolves_more_after_it_moves_to_keel(cache: sqlite3.Connection) -> None:
    tickets = _rows(
        cache, "SELECT t.created_at, k.resolved_at IS NOT NULL FROM ticket k JOIN task t ON t.id = k.id"
    )  # fmt: skip
    assert 250 <= len(tickets) <= 450
    by_month: dict[date, list[int]] = defaultdict(list)
    for created, resolved in tickets:
        by_month[_month(created)].append(resolved)
    starts = months(Plan(NOW))
    rate = [sum(by_month[m]) / len(by_month[m]) for m in starts[:6]]
    assert all(0.65 <= r <= 0.75 for r in rate[:2]), rate
    assert all(0.92 <= r <= 0.98 for r in rate[3:6]), rate


def test_the_desk_has_every_part_of_its_story(cache: sqlite3.Connection) -> None:
    ratings = [s for (s,) in _rows(cache, "SELECT satisfaction FROM ticket WHERE satisfaction IS NOT NULL")]
    assert len(ratings) >= 50 and sum(s >= 4 for s in ratings) / len(ratings) > 0.9
    categories = {c for (c,) in _rows(cache, "SELECT DISTINCT category FROM ticket")}
    assert categories == {"feature", "experience", "security", "performance", "other"}
    breached = _rows(
        cache, "SELECT count(*) FROM ticket WHERE first_response_at > first_response_due_at"
        " OR resolved_at > resolution_due_at",
    )[0][0]  # fmt: skip
    assert breached >= 10
    waiting = _rows(
        cache, "SELECT count(*) FROM task t JOIN status s ON s.id = t.status_id WHERE s.name = '等待用户回复'"
    )[0][0]  # fmt: skip
    assert waiting >= 1
    portal = _rows(
        cache, "SELECT count(*) FROM comment WHERE author_id IS NULL AND author_name != '' AND visibility = 'public'"
    )[0][0]  # fmt: skip
    assert portal >= 20
    escalated = _rows(cache, "SELECT escalated_task_id FROM ticket WHERE escalated_task_id IS NOT NULL")
    assert len(escalated) == 1
    assert _rows(cache, "SELECT project_id FROM task WHERE id = ?", escalated[0][0]) == [(project_id("APP"),)]


def test_two_frequent_problems_in_the_last_30_days(cache: sqlite3.Connection) -> None:
    rows = _rows(
        cache, "SELECT t.id, t.title, t.description, t.created_at FROM task t JOIN ticket k ON k.id = t.id"
    )  # fmt: skip
    tickets = [(i, title, text, datetime.fromisoformat(at)) for i, title, text, at in rows]
    clusters = frequent_problems(tickets, now=NOW, days=30)
    assert len(clusters) >= 2 and all(c.size >= 8 for c in clusters[:2]), [c.size for c in clusters]
