"""The desk dashboard's plain data (app/state/desk_dashboard.py) on the hand-made desk of
tests/sync/desk_data.py: the period it asks for, its figures as text, the clusters read through a
connection of their own, and "create a requirement from this cluster" queued through the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.state import desk_dashboard as state
from sync.store import Store
from tests.sync import factories as f
from tests.sync.desk_data import PID, RESOLVED, Desk, desk

NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)  # 10:00 on 04-02 in Shanghai


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    d = desk()
    d.changes += [f.project("APP", "APP", "产品迭代"), f.member("APP", f.ME, "member")]
    d.changes += [f.project("OLD", "OLD", "归档"), f.member("OLD", f.ME, "owner")]
    d.changes[-2]["row"]["archived"] = True
    s = d.store(tmp_path / "cache.db")
    yield s
    s.close()


def test_the_period_is_the_last_days_in_the_desks_zone(store: Store) -> None:
    week = state.report(store, PID, 7, now=NOW)
    assert (week.start, week.end) == (date(2026, 3, 27), date(2026, 4, 2))
    # K5 (03-31 23:00 there) and K7 (04-01 01:00 there): 2 tickets, of which none resolved.
    assert (week.overall.created, week.overall.resolution_rate) == (2, 0.0)
    assert state.report(store, PID, 90, now=NOW).start == date(2026, 1, 3)


def test_figures_read_as_text(store: Store) -> None:
    assert (state.rate(None), state.rate(2 / 3), state.rate(0.0)) == ("—", "67%", "0%")
    assert [state.duration(m) for m in (None, 45, 90, 3 * 1440)] == ["—", "45 分钟", "1.5 小时", "3.0 天"]
    march = state.report(store, PID, 31, now=datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    tiles = {tile.key: (tile.value, tile.detail) for tile in state.tiles(march.overall)}
    # The golden numbers of tests/sync/test_desk_metrics.py (March, read at 23:30 on its last day).
    assert tiles["desk_dashboard.sla"] == ("60%", "6 / 10")
    assert tiles["desk_dashboard.first_response"] == ("1.0 小时", "p90 4.0 小时")
    assert state.row_cells(march.overall)[:2] == ["6", "50%"]


def test_requirements_go_to_product_projects_the_person_edits(store: Store) -> None:
    # Not the desk, not the archived project.
    assert [p["id"] for p in state.product_projects(store)] == ["APP"]


def test_a_cluster_becomes_a_requirement_through_the_outbox(tmp_path: Path) -> None:
    d, app = Desk(), "0190a000-0000-7000-8000-0000000000a0"  # the mutation's project id must be a UUID
    d.changes += [f.project(app, "APP", "产品迭代"), f.member(app, f.ME, "member")]
    d.changes.append(f.status(app, "A-todo", "待办", "todo", "a0"))
    for i, text in enumerate(["微信付款一直提示支付失败", "用支付宝付款总是支付失败", "点支付没有反应，付款失败"]):
        created = (NOW - timedelta(days=2 + i)).strftime("%Y-%m-%dT%H:%M")
        d.ticket(f"P{i}", "other", None, created, RESOLVED, title="支付失败", description=text)
    store = d.store(tmp_path / "cache.db")
    (problem,) = state.frequent_problems(state.cache_file(store), PID, 30, NOW) or [None]
    assert problem is not None and problem.size == 3
    task_id = state.create_requirement(store, problem, store.project(PID) or {}, app)
    task = store.task(task_id)
    assert task is not None and (task["project_id"], task["type"]) == (app, "requirement")
    assert task["description"].splitlines()[0] == "来自 FB 的高频问题：3 张相似工单"
    assert task["title"].startswith("支付") and store.pending_count() == 1
    store.close()
