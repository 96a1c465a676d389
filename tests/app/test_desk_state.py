"""The desk's queue state: SLA countdowns (amber at 75%, red once breached, paused, met), the saved
queues, the filters and the order, on rows shaped as the store gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.state.countdown import duration
from app.state.desk import DeskFilters, DeskSort, queue_counts, queue_view, ticket_lines
from sync import sla, sla_clock
from sync.store.families.desk import TicketView

pytestmark = pytest.mark.usefixtures("chinese")

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai, business hours
POLICY = sla.Policy(60, 600, calendar="always")
STATUSES = [
    {"id": "s-todo", "name": "待处理", "category": "todo", "pauses_sla": False},
    {"id": "s-doing", "name": "处理中", "category": "doing", "pauses_sla": False},
    {"id": "s-wait", "name": "等待用户回复", "category": "doing", "pauses_sla": True},
    {"id": "s-done", "name": "已解决", "category": "done", "pauses_sla": False},
]
BY_ID = {s["id"]: s for s in STATUSES}


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def ticket(
    n: int,
    minutes_ago: int,
    *,
    status: str = "s-todo",
    assignee: str | None = None,
    responded: int | None = None,
    paused: int | None = None,
    **extra: Any,
) -> TicketView:
    """Ticket FB-n created `minutes_ago`, answered `responded` minutes ago, waiting since `paused` minutes ago."""
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
    first = NOW - timedelta(minutes=responded) if responded is not None else None
    row = {
        "id": f"t{n}",
        "requester_name": f"用户{n}",
        "category": "other",
        "first_response_at": iso(first) if first else None,
        "resolved_at": None,
        "closed_at": None,
        "merged_into_id": None,
        **extra,
    }
    resolved = NOW if BY_ID[status]["category"] == "done" else None
    pauses = [(NOW - timedelta(minutes=paused), None)] if paused is not None else []
    clock = sla_clock.clock(POLICY, created, pauses, first, resolved, NOW)
    return TicketView(task, row, BY_ID[status], POLICY, clock)


def lines(*views: TicketView) -> list[Any]:
    return ticket_lines(views, {"me": "我"})


def test_the_countdown_turns_amber_at_three_quarters_and_red_once_breached() -> None:
    fresh, amber, red = lines(ticket(1, 10), ticket(2, 46), ticket(3, 75))
    assert (fresh.clock.state, fresh.clock.left) == ("ok", timedelta(minutes=50))
    assert (amber.clock.state, amber.clock.left) == ("warning", timedelta(minutes=14))
    assert (red.clock.state, red.clock.left) == ("breached", timedelta(minutes=-15))
    assert red.clock.label == "-15m"


def test_after_the_first_response_the_resolution_target_runs() -> None:
    (line,) = lines(ticket(1, 120, responded=100))
    assert line.clock.which == "resolution" and line.clock.left == timedelta(minutes=480)


def test_a_waiting_ticket_is_paused_and_a_resolved_one_met() -> None:
    waiting, resolved = lines(ticket(1, 10, status="s-wait", paused=5), ticket(2, 10, status="s-done", responded=5))
    assert waiting.clock.state == "paused" and waiting.waiting and waiting.clock.label.startswith("暂停")
    assert resolved.clock.state == "met" and resolved.clock.label == "已达成"


def test_saved_queues() -> None:
    all_lines = lines(
        ticket(1, 10, assignee="me"),
        ticket(2, 50),
        ticket(3, 90, assignee="other"),
        ticket(4, 10, status="s-wait", assignee="me", paused=5),
        ticket(5, 10, status="s-done", resolved_at=iso(NOW)),
        ticket(6, 10, status="s-done", resolved_at=iso(NOW), closed_at=iso(NOW)),
        ticket(7, 10, merged_into_id="t1"),
    )
    counts = queue_counts(all_lines, "me")
    assert counts == {
        "all": 4,
        "mine": 2,
        "unassigned": 1,
        "breaching": 1,
        "breached": 1,
        "waiting": 1,
        "resolved": 1,
    }
    keys = [x.key for x in queue_view(all_lines, "resolved", "me", DeskFilters(), DeskSort(), STATUSES)]
    assert keys == ["FB-5"]


def test_the_default_order_puts_the_nearest_breach_first_and_paused_last() -> None:
    all_lines = lines(ticket(1, 10), ticket(2, 80), ticket(3, 40), ticket(4, 55, status="s-wait", paused=5))
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
