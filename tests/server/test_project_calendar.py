"""A project's working-day calendar (docs/protocol.md, Additions: `project.calendar`): set by its admins
through `project.update`, on the project row of every pull, and the one the `at_risk` scan counts
working days on; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.feed import utcnow
from server.risks import run_risk_scan
from tests.factories import Person
from tests.server.planning import iteration, latest, status_ids

Trio = tuple[Person, Person, Person, str]
ZONE = "Asia/Shanghai"


def calendar_of(person: Person, project_id: str) -> Any:
    return latest(person, "project", include=None)[project_id]["calendar"]


def test_admins_choose_the_calendar_and_every_member_receives_it(trio: Trio) -> None:
    alice, bob, carol, pid = trio
    assert calendar_of(bob, pid) == "cn"  # the default, also of every project made before the field
    alice.share(pid, bob, "admin")
    bob.ok("project.update", {"id": pid, "calendar": "weekdays"})
    assert calendar_of(carol, pid) == "weekdays"
    alice.ok("project.update", {"id": pid, "calendar": "every_day", "name": "全年无休"})
    project = latest(carol, "project", include=None)[pid]
    assert (project["calendar"], project["name"]) == ("every_day", "全年无休")
    alice.ok("project.update", {"id": pid, "name": "改名"})  # a change that leaves the calendar out keeps it
    assert calendar_of(carol, pid) == "every_day"


def test_a_member_who_is_not_an_admin_cannot_choose_it(trio: Trio) -> None:
    alice, bob, _, pid = trio
    bob.rejected("project.update", {"id": pid, "calendar": "every_day"}, "forbidden")
    assert calendar_of(alice, pid) == "cn"


def test_an_unknown_calendar_is_a_validation_error(trio: Trio) -> None:
    alice, _, _, pid = trio
    for bad in ("moon", "CN", "", 5):
        alice.rejected("project.update", {"id": pid, "calendar": bad}, "validation_error")
    alice.ok("project.update", {"id": pid, "calendar": None})  # null leaves it unchanged, as for the other fields
    assert calendar_of(alice, pid) == "cn"


def test_the_risk_scan_counts_the_projects_working_days(app: Any, trio: Trio) -> None:
    """An active iteration ends on a Saturday with one task open, and 14 tasks were done in the window.
    Counting every day that is a pace of one a day: done on the Saturday, in time. Counting Monday to
    Friday the work can only finish on the Monday after: at risk."""
    alice, bob, _, pid = trio
    db = app.state.services.db
    zone = ZoneInfo(ZONE)
    today = utcnow().astimezone(zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    now = datetime.combine(saturday, time(12), zone)
    sprint = iteration(
        alice, pid, "冲刺", start_on=(saturday - timedelta(days=5)).isoformat(), end_on=saturday.isoformat()
    )
    alice.task(pid, "最后一个", iteration_id=sprint)
    done = status_ids(alice, pid)["done"]
    for i in range(14):
        bob.ok("task.update", {"id": bob.task(pid, f"已做 {i}"), "set": {"status_id": done}})
    alice.ok("iteration.update", {"id": sprint, "set": {"state": "active"}})
    alice.ok("project.update", {"id": pid, "calendar": "every_day"})
    assert run_risk_scan(db, now, ZONE)[0] == 0
    alice.ok("project.update", {"id": pid, "calendar": "weekdays"})
    assert run_risk_scan(db, now, ZONE)[0] == 1
