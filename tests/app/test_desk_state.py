"""The desk's queue state: SLA countdowns (amber at 75%, red once breached, paused, met), the saved
queues, the filters and the order, on rows shaped as the store gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.state.desk import DeskFilters, DeskSort, queue_counts, queue_view, ticket_lines
from app.state.sla_clock import duration

pytestmark = pytest.mark.usefixtures("chinese")

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai, business hours
ALWAYS = {
    "first_response_minutes": 60,
    "resolution_minutes": 600,
    "calendar": "always",
    "business_start": "09:00",
    "business_end": "18:00",
    "time_zone": "Asia/Shanghai",
    "holidays": "cn",
    "auto_close_days": 7,
}
POLICIES = {p: ALWAYS for p in ("urgent", "high", "medium", "low", "none")}
STATUSES = [
    {"id": "s-todo", "name": "待处理", "category": "todo", "pauses_sla": False},
    {"id": "s-doing", "name": "处理中", "category": "doing", "pauses_sla": False},
    {"id": "s-wait", "name": "等待用户回复", "category": "doing", "pauses_sla": True},
    {"id": "s-done", "name": "已解决", "category": "done", "pauses_sla": False},
]


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def ticket(n: int, minutes_ago: int, *, status: str = "s-todo", assignee: str | None = None, **extra: Any):
    created = NOW - timedelta(minutes=minutes_ago)
    task = {
        "id": f"t{n}",
        "key": f"FB-{n}",
        "number": n,
        "title": f"问题 {n}",
        "status_id": status,
        "assignee_id": assignee,
        "priority": "high",
        "created_at": iso(created),
    }
    row = {
        "id": f"t{n}",
        "requester_name": f"用户{n}",
        "category": "other",
        "first_response_due_at": iso(created + timedelta(minutes=60)),
        "resolution_due_at": iso(created + timedelta(minutes=600)),
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        "merged_into_id": None,
        **extra,
    }
    return task, row


def lines(*pairs):
    tasks = [p[0] for p in pairs]
    tickets = {p[1]["id"]: p[1] for p in pairs}
    return ticket_lines(tasks, tickets, STATUSES, POLICIES, {"me": "我"}, NOW)


def test_the_countdown_turns_amber_at_three_quarters_and_red_once_breached() -> None:
    fresh, amber, red = lines(ticket(1, 10), ticket(2, 46), ticket(3, 75))
    assert (fresh.clock.state, fresh.clock.left) == ("ok", timedelta(minutes=50))
    assert amber.clock.state == "warning" and amber.clock.fraction == pytest.approx(46 / 60)
    assert red.clock.state == "breached" and red.clock.left == timedelta(minutes=-15)
    assert red.clock.label == "-15m"


def test_after_the_first_response_the_resolution_target_runs() -> None:
    (line,) = lines(ticket(1, 120, first_response_at=iso(NOW - timedelta(minutes=100))))
    assert line.clock.which == "resolution" and line.clock.left == timedelta(minutes=480)


def test_a_waiting_ticket_is_paused_and_a_resolved_one_met() -> None:
    waiting, resolved = lines(ticket(1, 10, status="s-wait"), ticket(2, 10, status="s-done"))
    assert waiting.clock.state == "paused" and waiting.waiting
    assert resolved.clock.state == "met" and resolved.clock.label == "已达成"


def test_a_ticket_created_offline_counts_from_its_creation() -> None:
    (line,) = lines(ticket(1, 30, first_response_due_at=None, resolution_due_at=None))
    assert line.clock.left == timedelta(minutes=30)


def test_saved_queues() -> None:
    all_lines = lines(
        ticket(1, 10, assignee="me"),
        ticket(2, 50),
        ticket(3, 90, assignee="other"),
        ticket(4, 10, status="s-wait", assignee="me"),
        ticket(5, 10, status="s-done", resolved_at=iso(NOW)),
        ticket(6, 10, status="s-done", resolved_at=iso(NOW), closed_at=iso(NOW)),
        ticket(7, 10, merged_into_id="t1"),
    )
    counts = queue_counts(all_lines, "me")
    assert counts == {
        "all": 4,
        "mine": 2,
        "unassigned": 1,
        "due_soon": 1,
        "breached": 1,
        "waiting": 1,
        "resolved": 1,
    }
    keys = [x.key for x in queue_view(all_lines, "resolved", "me", DeskFilters(), DeskSort(), STATUSES)]
    assert keys == ["FB-5"]


def test_the_default_order_puts_the_nearest_breach_first_and_paused_last() -> None:
    all_lines = lines(ticket(1, 10), ticket(2, 80), ticket(3, 40), ticket(4, 55, status="s-wait"))
    view = queue_view(all_lines, "all", None, DeskFilters(), DeskSort(), STATUSES)
    assert [x.key for x in view] == ["FB-2", "FB-3", "FB-1", "FB-4"]
    by_key = queue_view(all_lines, "all", None, DeskFilters(), DeskSort().toggled("key").toggled("key"), STATUSES)
    assert [x.key for x in by_key] == ["FB-4", "FB-3", "FB-2", "FB-1"]


def test_filters_by_text_requester_category_and_assignee() -> None:
    all_lines = lines(ticket(1, 10, category="security"), ticket(2, 10, assignee="me"), ticket(3, 10))
    view = lambda f: [x.key for x in queue_view(all_lines, "all", "me", f, DeskSort("key"), STATUSES)]  # noqa: E731
    assert view(DeskFilters(text="用户3")) == ["FB-3"]
    assert view(DeskFilters(category="security")) == ["FB-1"]
    assert view(DeskFilters(assignee_id="none")) == ["FB-1", "FB-3"]
    assert view(DeskFilters(assignee_id="me")) == ["FB-2"]


def test_duration_is_compact() -> None:
    assert duration(timedelta(days=2, hours=3, minutes=5)) == "2d 3h"
    assert duration(timedelta(hours=2, minutes=5)) == "2h 05m"
    assert duration(timedelta(minutes=-3, seconds=-4)) == "-3m"
