"""`at_risk` (PROTOCOL-2.md "Planning"): the server's scan warns a project's admins, at most once a day,
about a milestone or active iteration whose forecast finish is after its date, and only pulls that
include `task_event` carry the warning (and a closed app is pushed it); on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.feed import iso, utcnow
from server.risks import run_risk_scan
from sync.forecast import forecast_finish, per_working_day
from tests.factories import Person, serve
from tests.server.ntfy_receiver import NtfyReceiver
from tests.server.planning import iteration, latest, status_ids
from tests.server.test_push_gateway import WAIT_S, team
from tests.server.test_push_ntfy import register

Trio = tuple[Person, Person, Person, str]
ZONE = "Asia/Shanghai"


def at_risk(person: Person, include: str | None = "task_event") -> list[dict[str, Any]]:
    found = latest(person, "notification", include=include).values()
    return sorted((n for n in found if n["kind"] == "at_risk"), key=lambda n: n["seq"])


def later_that_day(now: datetime) -> datetime:
    """A moment after `now` on the same day in ZONE: "once a day" is per local day, so an hour later
    is the next day when the suite runs between 23:00 and midnight in Shanghai."""
    local = now.astimezone(ZoneInfo(ZONE))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), ZoneInfo(ZONE))
    return now + (midnight - local) / 2


def test_an_active_iteration_at_risk_warns_the_admins_once_a_day(app: Any, trio: Trio) -> None:
    alice, bob, carol, pid = trio
    db = app.state.services.db
    alice.share(pid, bob, "admin")
    alice.share(pid, carol, "admin")
    carol.ok("notification_pref.update", {"set": {"kinds": {"at_risk": False}}})
    now = utcnow()
    today = now.astimezone(ZoneInfo(ZONE)).date()
    dates = {"start_on": (today - timedelta(days=7)).isoformat(), "end_on": (today + timedelta(days=2)).isoformat()}
    sprint = iteration(alice, pid, "冲刺 7", **dates)
    planned = iteration(alice, pid, "冲刺 8", **dates)
    for i in range(3):
        alice.task(pid, f"任务 {i}", iteration_id=sprint)
        alice.task(pid, f"计划中 {i}", iteration_id=planned)
    assert run_risk_scan(db, now, ZONE)[0] == 0  # planned iterations are not forecast
    alice.ok("iteration.update", {"id": sprint, "set": {"state": "active"}})
    created, audience, _ = run_risk_scan(db, now, ZONE)
    assert created == 2 and {alice.id, bob.id} <= audience
    for person in (alice, bob):  # the owner and the admin
        (warning,) = at_risk(person)
        assert (warning["title"], warning["task_id"], warning["project_id"]) == ("冲刺 7", None, pid)
        assert warning["actor_id"] is None and warning["user_id"] == person.id
        assert at_risk(person, include=None) == [] and at_risk(person, include="iteration,task_link") == []
    assert at_risk(carol) == []  # she turned the kind off
    assert run_risk_scan(db, later_that_day(now), ZONE)[0] == 0  # once a day
    assert run_risk_scan(db, now + timedelta(days=1), ZONE)[0] == 2  # and again the next day
    # Closed, the iteration is no longer forecast.
    alice.ok("iteration.close", {"id": sprint})
    assert run_risk_scan(db, now + timedelta(days=2), ZONE)[0] == 0


def test_a_milestone_is_forecast_from_the_open_tasks_that_block_it_and_the_throughput(app: Any, trio: Trio) -> None:
    alice, bob, carol, pid = trio
    db = app.state.services.db
    status = status_ids(alice, pid)
    now = utcnow()
    release = alice.task(pid, "版本发布", type="milestone", due_at=iso(now + timedelta(days=5)))
    design, build, docs, unrelated = (alice.task(pid, t) for t in ("设计", "开发", "文档", "无关"))
    for a, b in ((design, build), (build, release), (docs, design)):
        alice.ok("task_link.put", {"from_id": a, "to_id": b, "kind": "blocks"})
    alice.ok("task_link.put", {"from_id": unrelated, "to_id": release, "kind": "relates"})
    # Three open tasks reach the milestone; nothing was done lately: it never finishes.
    assert run_risk_scan(db, now, ZONE)[0] == 1
    (warning,) = at_risk(alice)
    assert (warning["title"], warning["task_id"]) == ("版本发布", release)
    assert at_risk(bob) == [] and at_risk(carol) == []  # members are not warned, only owners and admins
    # Twenty tasks entered done in the window, one of them twice (it counts once). The finish of the
    # three open tasks at that pace is sync.forecast's (its golden test has the arithmetic); the scan
    # must find the same day from the rows.
    for i in range(19):
        bob.ok("task.update", {"id": bob.task(pid, f"已做 {i}"), "set": {"status_id": status["done"]}})
    again = bob.task(pid, "反复")
    for target in ("done", "doing", "done"):
        bob.ok("task.update", {"id": again, "set": {"status_id": status[target]}})
    later = now + timedelta(days=1)
    today = later.astimezone(ZoneInfo(ZONE)).date()
    finish = forecast_finish(3, per_working_day(20, today, "cn"), today, "cn")
    assert finish is not None

    def due_on(day: date) -> str:
        return iso(datetime.combine(day, time(12), ZoneInfo(ZONE)))

    alice.ok("task.update", {"id": release, "set": {"due_at": due_on(finish + timedelta(days=1))}})
    assert run_risk_scan(db, later, ZONE)[0] == 0
    alice.ok("task.update", {"id": release, "set": {"due_at": due_on(finish)}})
    assert run_risk_scan(db, later, ZONE)[0] == 0  # done on the day it is due: in time
    alice.ok("task.update", {"id": release, "set": {"due_at": due_on(finish - timedelta(days=1))}})
    assert run_risk_scan(db, later, ZONE)[0] == 1
    # Finishing the blocking work (or the milestone itself) ends the warnings.
    for tid in (design, build, docs):
        bob.ok("task.update", {"id": tid, "set": {"status_id": status["done"]}})
    assert run_risk_scan(db, later + timedelta(days=1), ZONE)[0] == 0


def test_the_warning_is_pushed_to_the_admins_ntfy_app(db_url: str) -> None:
    with NtfyReceiver() as ntfy, serve(db_url, push_allow_loopback=True) as api:
        alice, bob, pid, _ = team(api)
        topic, members_topic = ntfy.topic(), ntfy.topic()
        register(alice, topic, locale="en")
        register(bob, members_topic)  # a member, not an admin: never warned
        today = utcnow().astimezone(ZoneInfo(ZONE)).date()
        sprint = iteration(alice, pid, "Sprint 7", start_on=today.isoformat(), end_on=today.isoformat())
        alice.ok("iteration.update", {"id": sprint, "set": {"state": "active"}})
        alice.task(pid, "Login page", iteration_id=sprint)
        services = api.http.app.state.services
        assert run_risk_scan(services.db, utcnow(), ZONE, services.push.gateway)[0] == 1
        [note] = topic.wait_for(1, WAIT_S)
        assert note.payload is not None
        assert note.payload["title"] == "Sprint 7" and note.payload["tags"] == ["warning"]
        assert note.payload["message"] == "At the recent pace, this may not finish on time"
        assert "click" not in note.payload  # no task to open: an iteration
        assert services.push.gateway.wait_idle(WAIT_S) and ntfy.strays == [] and members_topic.requests == []
