"""The desk's scheduled notifications and auto-closing (PROTOCOL-2.md): sla_warning, sla_breached, closed_at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.reminders import run_reminders
from tests.factories import Api
from tests.server.desk import Desk, latest, make_desk, when

LEAD = timedelta(hours=1)


@pytest.fixture
def desk(api: Api) -> Desk:
    return make_desk(api)


def desk_kinds(desk: Desk, person: Any) -> list[tuple[str, str]]:
    found = latest(person, "notification").values()
    return sorted((n["kind"], n["task_id"]) for n in found if n["kind"].startswith("sla_"))


def scan(app: Any, at: Any) -> int:
    return run_reminders(app.state.services.db, at, LEAD)[0]


def test_warning_then_breach_once_each_to_the_admins_when_unassigned(app: Any, desk: Desk) -> None:
    tid = desk.ticket(severity=1, impact=1)  # urgent: 30 / 240 minutes on every minute
    created = when(desk.task(tid)["created_at"])
    scan(app, created + timedelta(minutes=22))
    assert desk_kinds(desk, desk.alice) == []
    scan(app, created + timedelta(minutes=23))
    scan(app, created + timedelta(minutes=24))
    assert desk_kinds(desk, desk.alice) == [("sla_warning", tid)]
    assert desk_kinds(desk, desk.adam) == [("sla_warning", tid)]
    assert desk_kinds(desk, desk.bob) == []  # a member, not assigned
    scan(app, created + timedelta(minutes=30))  # due now: still on time (docs/metrics.md)
    assert desk_kinds(desk, desk.alice) == [("sla_warning", tid)]
    scan(app, created + timedelta(minutes=31))
    scan(app, created + timedelta(minutes=32))
    assert desk_kinds(desk, desk.alice) == [("sla_breached", tid), ("sla_warning", tid)]
    v1 = latest(desk.alice, "notification", include=None).values()
    assert not [n for n in v1 if n["kind"].startswith("sla_")]


def test_the_assignee_hears_of_a_warning_and_both_of_a_breach(app: Any, desk: Desk) -> None:
    tid = desk.ticket(severity=1, impact=1)
    desk.alice.ok("task.update", {"id": tid, "set": {"assignee_id": desk.bob.id}})
    created = when(desk.task(tid)["created_at"])
    scan(app, created + timedelta(minutes=25))
    assert desk_kinds(desk, desk.bob) == [("sla_warning", tid)]
    assert desk_kinds(desk, desk.alice) == []
    scan(app, created + timedelta(minutes=40))
    assert desk_kinds(desk, desk.bob) == [("sla_breached", tid), ("sla_warning", tid)]
    assert desk_kinds(desk, desk.alice) == [("sla_breached", tid)]


def test_a_target_met_or_paused_is_left_alone(app: Any, desk: Desk) -> None:
    answered = desk.ticket(severity=1, impact=1)
    desk.bob.comment(answered, "已收到", visibility="public")
    waiting = desk.ticket(severity=1, impact=1)
    desk.move(waiting, "等待用户回复")
    created = when(desk.task(waiting)["created_at"])
    scan(app, created + timedelta(minutes=100))
    assert desk_kinds(desk, desk.alice) == []
    # The answered ticket's resolution target still runs: 75% of 240 minutes.
    scan(app, created + timedelta(minutes=190))
    assert desk_kinds(desk, desk.alice) == [("sla_warning", answered)]


def test_a_resolved_ticket_closes_after_auto_close_days(app: Any, desk: Desk) -> None:
    tid = desk.ticket()
    desk.move(tid, "已解决")
    resolved = when(desk.row(tid)["resolved_at"])
    scan(app, resolved + timedelta(days=6))
    assert desk.row(tid)["closed_at"] is None
    scan(app, resolved + timedelta(days=7, seconds=1))
    row = desk.row(tid)
    assert when(row["closed_at"]) == resolved + timedelta(days=7)
    assert desk.task(tid)["status_id"] == desk.status("已解决")  # closing changes no status
    desk.move(tid, "处理中")
    assert desk.row(tid)["closed_at"] is None
