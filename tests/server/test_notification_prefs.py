"""Notification preferences (Keel's extension): the synced row, its mutation, and how the server honours it
when it creates notifications, schedules reminders and pushes to closed apps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from server import reminders
from server.app import create_app
from server.feed import utcnow
from server.notification_prefs import in_quiet_hours
from server.push import PushDispatcher
from server.reminders import run_reminders
from server.settings import get_settings
from sync.entities import ROW_MODELS
from sync.protocol import NOTIFICATION_KINDS, notification_pref_id
from tests.conftest import test_settings
from tests.factories import Api, Person, new_id, rows, serve
from tests.live_server import live_server, open_events
from tests.server.loopback_service import Delivery, Mailbox
from tests.server.push_receiver import PushReceiver
from tests.server.test_events import people
from tests.server.test_notifications import inbox, kinds
from tests.server.test_push_gateway import WAIT_S, mention, subscribe, team

PREF = "notification_pref.update"
INCLUDE = "notification_pref"
DAY = timedelta(hours=24)


def pull(person: Person, cursor: int = 0, limit: int = 5000, **params: Any) -> dict[str, Any]:
    r = person.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": limit, **params})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def prefs_of(person: Person) -> dict[str, Any] | None:
    """The person's preferences row as an including pull gives it (None: they have none)."""
    found = rows(pull(person, include=INCLUDE)["changes"], "notification_pref")
    assert set(found) <= {notification_pref_id(person.id)}
    row = found.get(notification_pref_id(person.id))
    if row is not None:
        ROW_MODELS["notification_pref"].model_validate(row)
    return row


def current_seq(person: Person) -> int:
    return int(pull(person)["cursor"])


def status_ids(person: Person, project_id: str) -> dict[str, str]:
    """One status id per category of the project."""
    statuses = rows(pull(person)["changes"], "status").values()
    return {s["category"]: s["id"] for s in statuses if s["project_id"] == project_id}


# --- the row and the pull --------------------------------------------------------------------------


def test_a_pull_without_include_never_carries_preferences(trio: tuple[Person, Person, Person, str]) -> None:
    alice, _bob, _carol, pid = trio
    alice.task(pid, "一")
    alice.ok(PREF, {"set": {"digest_at": "08:30"}, "mute_add": [pid]})
    alice.task(pid, "二")
    alice.ok(PREF, {"set": {"kinds": {"commented": False}}})

    plain = pull(alice)
    assert all(c["entity"] != "notification_pref" for c in plain["changes"])
    with_prefs = pull(alice, include=INCLUDE)
    others = [c for c in with_prefs["changes"] if c["entity"] != "notification_pref"]
    assert others == plain["changes"]  # nothing else differs...
    assert len(with_prefs["changes"]) == len(plain["changes"]) + 1  # ...but the one row, at its latest
    assert with_prefs["cursor"] == plain["cursor"] == current_seq(alice)

    # Unknown or empty names are ignored, answer for answer.
    for include in ("", "notification_prefs", "comment_reaction,", " , "):
        assert alice.get("/api/v1/sync/pull", params={"cursor": 0, "include": include}).content == (
            alice.get("/api/v1/sync/pull", params={"cursor": 0}).content
        )
    spaced = pull(alice, include=f"future_thing, {INCLUDE} ")
    assert spaced["changes"] == with_prefs["changes"]


@pytest.mark.parametrize("include", [None, INCLUDE])
def test_remaining_is_exact_with_and_without_the_filter(
    trio: tuple[Person, Person, Person, str], include: str | None
) -> None:
    alice, _bob, _carol, pid = trio
    for i in range(3):
        alice.task(pid, f"t{i}")
        alice.ok(PREF, {"set": {"digest_at": f"0{i}:00"}})
    params = {"include": include} if include else {}
    everything = pull(alice, **params)["changes"]
    cursor, seen = 0, []
    while True:
        page = pull(alice, cursor=cursor, limit=2, **params)
        seen.extend(page["changes"])
        assert page["remaining"] == len(everything) - len(seen)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert seen == everything


def test_only_the_owner_receives_the_row(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, _carol, pid = trio
    before = utcnow()
    alice.ok(PREF, {"set": {"quiet_start": "22:00", "quiet_end": "07:30", "time_zone": "Europe/Berlin"}})
    row = prefs_of(alice)
    assert row is not None
    assert row == {
        "id": notification_pref_id(alice.id),
        "seq": row["seq"],
        "deleted": False,
        "user_id": alice.id,
        "kinds": dict.fromkeys(NOTIFICATION_KINDS, True),
        "muted_projects": [],
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "time_zone": "Europe/Berlin",
        "due_soon_leads": [1440, 60],
        "digest_at": "09:00",
        "updated_at": row["updated_at"],
    }
    assert datetime.fromisoformat(row["updated_at"]) >= before.replace(microsecond=0)
    assert prefs_of(bob) is None  # Bob shares a project with Alice, and never sees her preferences
    bob.ok(PREF, {"mute_add": [pid]})
    assert prefs_of(bob) is not None  # his own, and only his (prefs_of checks)
    assert prefs_of(alice) == row  # Alice's pull still carries only hers


async def test_a_change_of_preferences_pokes_its_owner_only(db_url: str) -> None:
    app = create_app(test_settings(db_url))
    try:
        with live_server(app) as url, people(url, "王伟", "李娜") as [alice, bob]:
            project = alice.project()
            alice.share(project["id"], bob)
            async with (
                open_events(url, alice.access_token) as alice_events,
                open_events(url, bob.access_token) as bob_events,
            ):
                alice.ok(PREF, {"set": {"kinds": {"assigned": False}}})
                change = current_seq(alice)
                poke = await alice_events.poke_reaching(change)
                assert poke.data == {"cursor": change}
                await asyncio.sleep(0.3)  # let a wrong poke to Bob be sent rather than coalesced
                bob.project("自己的")
                first = await bob_events.next_poke()
                assert first.data["cursor"] == current_seq(bob), "Bob was poked for Alice's preferences"
    finally:
        app.state.services.db.dispose()


# --- the mutation ----------------------------------------------------------------------------------


def test_set_changes_only_the_fields_it_names(trio: tuple[Person, Person, Person, str]) -> None:
    alice, *_ = trio
    alice.ok(PREF, {"set": {"kinds": {"commented": False, "due_soon": False}, "due_soon_leads": [30, 2880, 30, 60]}})
    first = prefs_of(alice)
    assert first is not None
    assert first["kinds"] == {**dict.fromkeys(NOTIFICATION_KINDS, True), "commented": False, "due_soon": False}
    assert first["due_soon_leads"] == [2880, 60, 30]  # longest first, once each
    # kinds merge per kind: a device turning one on leaves the other off.
    alice.ok(PREF, {"set": {"kinds": {"due_soon": True}, "time_zone": "America/New_York"}})
    second = prefs_of(alice)
    assert second is not None
    assert second["kinds"] == {**first["kinds"], "due_soon": True}
    assert second["due_soon_leads"] == [2880, 60, 30] and second["time_zone"] == "America/New_York"
    assert second["seq"] > first["seq"] and second["updated_at"] > first["updated_at"]
    # Null clears the nullable fields.
    alice.ok(PREF, {"set": {"time_zone": None, "digest_at": None}})
    third = prefs_of(alice)
    assert third is not None and third["time_zone"] is None and third["digest_at"] is None
    assert third["kinds"] == second["kinds"]


def test_an_update_that_changes_nothing_takes_no_seq(trio: tuple[Person, Person, Person, str]) -> None:
    alice, _bob, _carol, pid = trio
    start = current_seq(alice)
    alice.ok(PREF, {})  # the defaults, for someone who has no row: no row is made
    alice.ok(PREF, {"set": {"kinds": {"assigned": True}, "due_soon_leads": [60, 1440]}, "mute_remove": [pid]})
    assert current_seq(alice) == start and prefs_of(alice) is None
    alice.ok(PREF, {"set": {"digest_at": "10:00"}, "mute_add": [pid]})
    row = prefs_of(alice)
    assert row is not None
    after = current_seq(alice)
    alice.ok(PREF, {"set": {"digest_at": "10:00"}, "mute_add": [pid]})
    alice.ok(PREF, {"set": {"kinds": {"mentioned": True}}, "mute_remove": [new_id()]})
    assert current_seq(alice) == after and prefs_of(alice) == row


def test_muting_adds_and_removes_projects(api: Api, trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, _carol, pid = trio
    other = alice.project("另一个")
    third = alice.project("第三个")
    alice.share(other["id"], bob, "viewer")  # any role may mute
    alice.share(third["id"], bob)
    alice.ok("project.update", {"id": third["id"], "archived": True})  # archived ones too
    bob.ok(PREF, {"mute_add": [third["id"], pid, other["id"], pid]})
    row = prefs_of(bob)
    assert row is not None and row["muted_projects"] == sorted({pid, other["id"], third["id"]})
    # Removals come first: a project in both lists ends up muted.
    bob.ok(PREF, {"mute_remove": [pid, other["id"], third["id"]], "mute_add": [other["id"]]})
    row = prefs_of(bob)
    assert row is not None and row["muted_projects"] == [other["id"]]
    bob.ok(PREF, {"mute_remove": [other["id"], new_id()]})  # removing what is not muted is fine
    row = prefs_of(bob)
    assert row is not None and row["muted_projects"] == []

    # A project Bob is not in, and one that does not exist, are the same `not_found`.
    stranger = api.person("Stranger")
    hidden = stranger.project("别人的")
    invisible = bob.rejected(PREF, {"mute_add": [hidden["id"]]}, "not_found")
    unknown = bob.rejected(PREF, {"mute_add": [new_id()]}, "not_found")
    assert invisible == unknown
    # The whole mutation is rejected: the valid part does not apply either.
    bob.rejected(PREF, {"mute_add": [pid, hidden["id"]], "set": {"digest_at": "07:00"}}, "not_found")
    row = prefs_of(bob)
    assert row is not None and row["muted_projects"] == [] and row["digest_at"] == "09:00"


@pytest.mark.parametrize(
    ("args", "loc"),
    [
        ({"set": {"quiet_start": "22:00"}}, ["set", "quiet_end"]),
        ({"set": {"quiet_end": "08:00"}}, ["set", "quiet_start"]),
        ({"set": {"quiet_start": "22:00", "quiet_end": "22:00"}}, ["set", "quiet_end"]),
        ({"set": {"time_zone": "Mars/Olympus_Mons"}}, ["set", "time_zone"]),
        ({"set": {"time_zone": "asia/shanghai"}}, ["set", "time_zone"]),
        ({"set": {"time_zone": "../../etc/passwd"}}, ["set", "time_zone"]),
        ({"set": {"time_zone": "localtime"}}, ["set", "time_zone"]),
        ({"set": {"kinds": None}}, ["set", "kinds"]),
        ({"set": {"due_soon_leads": None}}, ["set", "due_soon_leads"]),
        ({"set": {"due_soon_leads": []}}, ["set", "due_soon_leads"]),
        ({"set": {"due_soon_leads": [0]}}, ["set", "due_soon_leads", "0"]),
        ({"set": {"kinds": {"liked": False}}}, ["set", "kinds", "liked", "[key]"]),
        ({"set": {"digest_at": "24:00"}}, ["set", "digest_at"]),
        ({"set": {"quiet_start": "9:00", "quiet_end": "10:00"}}, ["set", "quiet_start"]),
        ({"set": {"muted_projects": []}}, ["set", "muted_projects"]),
        ({"mute_add": ["not-an-id"]}, ["mute_add", "0"]),
    ],
)
def test_invalid_updates_are_rejected_with_where(
    trio: tuple[Person, Person, Person, str], args: dict[str, Any], loc: list[str]
) -> None:
    alice, *_ = trio
    error = alice.rejected(PREF, args, "validation_error")
    assert loc in [d["loc"] for d in error["details"]], error
    assert prefs_of(alice) is None


def test_quiet_hours_are_set_and_cleared_together(trio: tuple[Person, Person, Person, str]) -> None:
    alice, *_ = trio
    alice.ok(PREF, {"set": {"quiet_start": "22:00", "quiet_end": "08:00"}})
    alice.ok(PREF, {"set": {"quiet_start": "23:00"}})  # the end is already there
    row = prefs_of(alice)
    assert row is not None and (row["quiet_start"], row["quiet_end"]) == ("23:00", "08:00")
    error = alice.rejected(PREF, {"set": {"quiet_end": "23:00"}}, "validation_error")
    assert error["details"][0]["loc"] == ["set", "quiet_end"]
    alice.rejected(PREF, {"set": {"quiet_end": None}}, "validation_error")
    alice.ok(PREF, {"set": {"quiet_start": None, "quiet_end": None}})
    row = prefs_of(alice)
    assert row is not None and (row["quiet_start"], row["quiet_end"]) == (None, None)


def test_the_default_zone_setting_must_be_a_known_zone() -> None:
    assert get_settings(default_time_zone="Europe/Berlin").default_time_zone == "Europe/Berlin"
    assert get_settings().default_time_zone == "Asia/Shanghai"
    with pytest.raises(ValidationError):
        get_settings(default_time_zone="Mars/Olympus_Mons")


# --- creating notifications ------------------------------------------------------------------------


def give_every_kind(alice: Person, bob: Person, carol: Person, pid: str, db: Any) -> None:
    """One cause of each kind of notification for Bob: Alice reports, Carol acts, the scheduler reminds."""
    now = utcnow()
    tid = alice.task(pid, "发版", assignee_id=bob.id)  # assigned
    carol.comment(tid, "@wang.wei 看一下")  # mentioned
    carol.comment(tid, "我来跟进")  # commented (Bob is the assignee)
    carol.ok("task.update", {"id": tid, "set": {"status_id": status_ids(alice, pid)["doing"]}})  # status_changed
    alice.task(pid, "soon", due_at=(now + timedelta(hours=2)).isoformat(), assignee_id=bob.id)  # due_soon
    alice.task(pid, "late", due_at=(now - timedelta(hours=2)).isoformat(), assignee_id=bob.id)  # overdue
    run_reminders(db, now, DAY)


def test_with_the_defaults_every_kind_arrives(app, trio: tuple[Person, Person, Person, str]) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol, pid = trio
    give_every_kind(alice, bob, carol, pid, app.state.services.db)
    assert sorted(set(kinds(bob))) == sorted(NOTIFICATION_KINDS)


@pytest.mark.parametrize("off", NOTIFICATION_KINDS)
def test_a_kind_switched_off_is_never_created(app, trio: tuple[Person, Person, Person, str], off: str) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol, pid = trio
    bob.ok(PREF, {"set": {"kinds": {off: False}}})
    give_every_kind(alice, bob, carol, pid, app.state.services.db)
    assert set(kinds(bob)) == set(NOTIFICATION_KINDS) - {off}
    assert "commented" in kinds(alice)  # Alice's own preferences are the defaults


def test_with_mentions_off_a_watcher_still_hears_of_the_comment(trio: tuple[Person, Person, Person, str]) -> None:
    alice, bob, carol, pid = trio
    tid = alice.task(pid, assignee_id=bob.id)
    bob.ok(PREF, {"set": {"kinds": {"mentioned": False}}})
    carol.comment(tid, "@wang.wei 看一下")
    assert kinds(bob) == ["assigned", "commented"]  # as any watcher would, not as the one mentioned


def test_a_muted_project_notifies_nothing(app, trio: tuple[Person, Person, Person, str]) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol, pid = trio
    db = app.state.services.db
    elsewhere = alice.project("别处")
    alice.share(elsewhere["id"], bob)
    bob.ok(PREF, {"mute_add": [pid]})
    give_every_kind(alice, bob, carol, pid, db)
    assert kinds(bob) == []
    alice.task(elsewhere["id"], "别处的任务", assignee_id=bob.id)
    assert kinds(bob) == ["assigned"]
    bob.ok(PREF, {"mute_remove": [pid]})
    give_every_kind(alice, bob, carol, pid, db)
    assert sorted(set(kinds(bob))) == sorted(NOTIFICATION_KINDS)
    assert inbox(bob)[0]["project_id"] == elsewhere["id"]


# --- reminders -------------------------------------------------------------------------------------


def test_due_soon_uses_each_recipients_longest_lead(app, api: Api, trio: tuple[Person, Person, Person, str]) -> None:  # type: ignore[no-untyped-def]
    alice, bob, carol, pid = trio
    dave = api.person("Dave")
    alice.share(pid, dave)
    db = app.state.services.db
    now = utcnow().replace(microsecond=123456)  # a fraction, so the boundaries below are exact to it

    def due_in(hours: float, who: Person) -> str:
        return alice.task(pid, f"+{hours}h", assignee_id=who.id, due_at=(now + timedelta(hours=hours)).isoformat())

    bob.ok(PREF, {"set": {"due_soon_leads": [60, 15]}})  # an hour ahead, at most
    dave.ok(PREF, {"set": {"due_soon_leads": [2880]}})  # two days ahead: beyond the server's 24 h
    bob_soon, bob_later = due_in(2, bob), due_in(30, bob)
    carol_soon, carol_later = due_in(12, carol), due_in(30, carol)  # Carol has no preferences: 24 h
    dave_soon, dave_later = due_in(40, dave), due_in(50, dave)

    def reminded(person: Person) -> list[str]:
        return [n["task_id"] for n in inbox(person) if n["kind"] == "due_soon"]

    assert run_reminders(db, now, DAY)[0] == 2
    assert reminded(bob) == [] and reminded(carol) == [carol_soon] and reminded(dave) == [dave_soon]
    assert run_reminders(db, now + timedelta(hours=1, microseconds=-1), DAY)[0] == 0  # a microsecond early for Bob
    assert run_reminders(db, now + timedelta(hours=1), DAY)[0] == 1
    assert reminded(bob) == [bob_soon]
    run_reminders(db, now + timedelta(hours=6, minutes=1), DAY)  # 23:59 before Carol's, 43:59 before Dave's
    assert reminded(carol) == [carol_soon, carol_later] and reminded(dave) == [dave_soon, dave_later]
    assert reminded(bob) == [bob_soon]
    run_reminders(db, now + timedelta(hours=29), DAY)
    assert reminded(bob) == [bob_soon, bob_later]


def test_tasks_not_yet_due_soon_never_hold_up_the_others(
    app,
    trio: tuple[Person, Person, Person, str],
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    alice, bob, carol, pid = trio
    monkeypatch.setattr(reminders, "BATCH", 2)  # pages of two, so paging is what is tested
    db = app.state.services.db
    now = utcnow().replace(microsecond=0)
    bob.ok(PREF, {"set": {"due_soon_leads": [60]}})
    for i in range(5):  # within the scan's reach (24 h) but not yet within Bob's hour
        alice.task(pid, f"bob {i}", assignee_id=bob.id, due_at=(now + timedelta(hours=2)).isoformat())
    for i in range(3):  # due later than all of Bob's, and already due soon for Carol
        alice.task(pid, f"carol {i}", assignee_id=carol.id, due_at=(now + timedelta(hours=3)).isoformat())
    assert run_reminders(db, now, DAY)[0] == 2  # one batch per run...
    assert run_reminders(db, now, DAY)[0] == 1  # ...and the next run takes the rest
    assert kinds(carol).count("due_soon") == 3 and "due_soon" not in kinds(bob)


def test_a_reminder_turned_off_is_marked_done_not_looked_at_again(
    app, trio: tuple[Person, Person, Person, str]
) -> None:  # type: ignore[no-untyped-def]
    alice, bob, _carol, pid = trio
    db = app.state.services.db
    now = utcnow().replace(microsecond=0)
    alice.task(pid, "soon", assignee_id=bob.id, due_at=(now + timedelta(hours=2)).isoformat())
    alice.task(pid, "late", assignee_id=bob.id, due_at=(now - timedelta(hours=2)).isoformat())
    bob.ok(PREF, {"set": {"kinds": {"due_soon": False, "overdue": False}}})
    assert run_reminders(db, now, DAY)[0] == 0
    with db.read() as conn:
        marked = conn.exec_driver_sql("SELECT kind FROM reminders_sent ORDER BY kind").scalars().all()
    assert marked == ["due_soon", "overdue"]
    bob.ok(PREF, {"set": {"kinds": {"due_soon": True, "overdue": True}}})
    assert run_reminders(db, now + timedelta(minutes=1), DAY)[0] == 0  # what fell due meanwhile stays quiet
    assert kinds(bob) == ["assigned", "assigned"]


# --- quiet hours and push --------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (zone or None for the server's default, quiet_start, quiet_end, [(UTC instant, quiet?)])
QUIET_CASES: dict[str, tuple[str | None, str, str, list[tuple[str, bool]]]] = {
    "across midnight in the default zone (Asia/Shanghai, UTC+8)": (
        None,
        "22:00",
        "08:00",
        [
            ("2026-06-01 13:59", False),  # 21:59
            ("2026-06-01 14:00", True),  # 22:00: the start is in
            ("2026-06-01 16:30", True),  # 00:30
            ("2026-06-01 23:59", True),  # 07:59
            ("2026-06-02 00:00", False),  # 08:00: the end is out
        ],
    ),
    "across midnight and spring's DST change (America/New_York)": (
        "America/New_York",
        "22:00",
        "08:00",
        [
            ("2026-03-07 12:30", True),  # 07:30 EST
            ("2026-03-08 12:30", False),  # 08:30 EDT: the same UTC time, after the clocks went forward
            ("2026-03-09 02:30", True),  # 22:30 EDT
        ],
    ),
    "a daytime window and autumn's DST change (Europe/Berlin)": (
        "Europe/Berlin",
        "12:00",
        "14:00",
        [
            ("2026-10-24 10:30", True),  # 12:30 CEST
            ("2026-10-25 10:30", False),  # 11:30 CET: the clocks went back that night
            ("2026-10-25 11:30", True),  # 12:30 CET
        ],
    ),
}


@pytest.mark.parametrize("case", list(QUIET_CASES))
def test_quiet_hours_follow_the_wall_clock(case: str) -> None:
    zone, start, end, moments = QUIET_CASES[case]
    for moment, quiet in moments:
        assert in_quiet_hours(start, end, ZoneInfo(zone or "Asia/Shanghai"), at(moment)) is quiet, moment


@pytest.mark.parametrize("case", list(QUIET_CASES))
def test_in_quiet_hours_a_notification_is_kept_but_not_pushed(db_url: str, receiver: PushReceiver, case: str) -> None:
    zone, start, end, moments = QUIET_CASES[case]
    with serve(db_url, push_allow_loopback=True) as api:
        services = api.http.app.state.services
        gateway = services.push.gateway
        _alice, bob, pid, _ = team(api)
        phone = subscribe(bob, receiver)
        bob.ok(PREF, {"set": {"quiet_start": start, "quiet_end": end, "time_zone": zone}})
        pushed = []
        for moment, _ in moments:
            now = at(moment)
            # Bob's own task (no assignee): the reminder at `now` is his, made at `now`.
            tid = bob.task(pid, moment, due_at=(now + timedelta(hours=1)).isoformat())
            assert run_reminders(services.db, now, DAY, gateway)[0] == 1
            assert gateway.wait_idle(WAIT_S)
            note = next(n for n in inbox(bob) if n["task_id"] == tid)  # in the inbox either way
            assert (note["kind"], note["created_at"]) == ("due_soon", now.isoformat().replace("+00:00", ".000000Z"))
            pushed.append(any(d.payload and d.payload["notification_id"] == note["id"] for d in phone.deliveries))
            bob.ok("task.delete", {"id": tid})  # so a later moment does not find it overdue
        assert pushed == [not quiet for _, quiet in moments]
        assert phone.problems == []


def test_quiet_hours_now_hold_back_a_mention_until_they_are_cleared(db_url: str, receiver: PushReceiver) -> None:
    with serve(db_url, push_allow_loopback=True) as api:
        gateway = api.http.app.state.services.push.gateway
        alice, bob, _pid, tid = team(api)
        phone = subscribe(bob, receiver)
        delivery = held_back_until_cleared(alice, bob, tid, phone, gateway)
        assert delivery.payload is not None and delivery.payload["notification_id"] == inbox(bob)[-1]["id"]


def held_back_until_cleared(alice: Person, bob: Person, tid: str, device: Mailbox, gateway: PushDispatcher) -> Delivery:
    """Bob's quiet hours around now hold back a mention's push (it is in his inbox all the same);
    once he clears them, the next mention reaches `device`: returns that delivery."""
    now = utcnow()
    window = {"quiet_start": f"{now - timedelta(hours=1):%H:%M}", "quiet_end": f"{now + timedelta(hours=1):%H:%M}"}
    bob.ok(PREF, {"set": {**window, "time_zone": "UTC"}})
    alice.comment(tid, f"{mention(bob)} 深夜打扰")
    assert gateway.wait_idle(WAIT_S)
    assert device.requests == []
    assert kinds(bob) == ["mentioned"]
    bob.ok(PREF, {"set": {"quiet_start": None, "quiet_end": None}})
    alice.comment(tid, f"{mention(bob)} 早上好")
    [delivery] = device.wait_for(1, WAIT_S)
    return delivery
