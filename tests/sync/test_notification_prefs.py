"""Notification preferences (Keel's `notification_pref` extension): the store on a real SQLite file,
then devices against the real server on a loopback port."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from server.settings import Settings
from sync.errors import InvalidMutation
from sync.ids import uuid7
from sync.protocol import NOTIFICATION_KINDS, notification_pref_id
from sync.store import SCHEMA_VERSION, Changes, Store
from tests.live_server import live_server
from tests.sync import factories as f
from tests.sync.devices import Device, cache, register, sign_in
from tests.sync.test_engine import owner_with_project, share

PID = "0190a000-0000-7000-8000-0000000000a1"
OTHER_PID = "0190a000-0000-7000-8000-0000000000a2"
PREF_ID = notification_pref_id(f.ME)
ALL_ON = dict.fromkeys(NOTIFICATION_KINDS, True)
DEFAULTS = {
    "id": PREF_ID,
    "seq": None,
    "user_id": f.ME,
    "kinds": ALL_ON,
    "muted_projects": [],
    "quiet_start": None,
    "quiet_end": None,
    "time_zone": None,
    "due_soon_leads": [1440, 60],
    "digest_at": "09:00",
    "updated_at": None,
    "pending": False,
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "cache.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(f.page(f.user(), f.project(PID), f.member(PID)))
    yield s
    s.close()


def settled(prefs: dict[str, Any]) -> dict[str, Any]:
    """Preferences without what only the device that made them knows (pending, the optimistic time)."""
    return {k: v for k, v in prefs.items() if k not in ("pending", "updated_at", "seq")}


def test_a_user_without_a_row_has_the_defaults(store: Store) -> None:
    assert store.notification_prefs() == DEFAULTS
    assert store.conn.execute("SELECT count(*) FROM notification_pref").fetchone()[0] == 0


def test_update_is_optimistic_queued_and_reported(store: Store) -> None:
    seen: list[Changes] = []
    store.subscribe(seen.append)
    store.update_notification_prefs(
        {"kinds": {"commented": False}, "quiet_start": "22:00", "quiet_end": "07:30", "due_soon_leads": [60, 1440, 60]}
    )
    prefs = store.notification_prefs()
    assert prefs["kinds"] == {**ALL_ON, "commented": False}
    assert (prefs["quiet_start"], prefs["quiet_end"], prefs["due_soon_leads"]) == ("22:00", "07:30", [1440, 60])
    assert prefs["pending"] is True and prefs["id"] == PREF_ID and prefs["updated_at"] is not None
    assert (prefs["digest_at"], prefs["time_zone"]) == ("09:00", None)  # untouched fields keep the defaults
    [entry] = store.outbox()
    assert entry.name == "notification_pref.update"
    assert entry.args == {
        "set": {
            "kinds": {"commented": False},
            "quiet_start": "22:00",
            "quiet_end": "07:30",
            "due_soon_leads": [60, 1440, 60],
        }
    }
    assert (
        seen[-1].source == "local" and seen[-1].outbox and seen[-1].rows == {"notification_pref": frozenset({PREF_ID})}
    )
    store.update_notification_prefs(
        {"quiet_start": None, "quiet_end": None, "digest_at": None, "time_zone": "Asia/Shanghai"}
    )
    prefs = store.notification_prefs()
    assert (prefs["quiet_start"], prefs["quiet_end"], prefs["digest_at"]) == (None, None, None)
    assert prefs["time_zone"] == "Asia/Shanghai" and prefs["kinds"]["commented"] is False


def pref_row(*, kinds: dict[str, bool] | None = None, **fields: Any) -> dict[str, Any]:
    """My preference row as the server sends it (every kind present)."""
    row = {k: v for k, v in DEFAULTS.items() if k not in ("seq", "pending")}
    return f.change("notification_pref", **{**row, "kinds": {**ALL_ON, **(kinds or {})}, "updated_at": f.T0, **fields})


def test_kinds_merge_kind_by_kind_and_pending_updates_rebase_on_pulled_rows(store: Store) -> None:
    store.apply_pull(f.page(pref_row(kinds={"assigned": False})))
    assert store.notification_prefs()["kinds"] == {**ALL_ON, "assigned": False}
    store.update_notification_prefs({"kinds": {"commented": False}})  # mutation 1, pending
    # Another device of mine switched `mentioned` off meanwhile; our change stays on top of it.
    store.apply_pull(f.page(pref_row(kinds={"assigned": False, "mentioned": False}, digest_at="08:00")))
    prefs = store.notification_prefs()
    assert prefs["kinds"] == {**ALL_ON, "assigned": False, "mentioned": False, "commented": False}
    assert prefs["digest_at"] == "08:00" and prefs["pending"] is True
    store.apply_pull(f.page(pref_row(kinds={"assigned": False, "mentioned": False, "commented": False}), lmid=1))
    prefs = store.notification_prefs()
    assert prefs["pending"] is False and prefs["kinds"]["commented"] is False and store.outbox() == []
    store.update_notification_prefs({"kinds": {"assigned": True}})
    assert store.notification_prefs()["kinds"] == {**ALL_ON, "mentioned": False, "commented": False}


def test_an_update_that_changes_nothing_writes_no_row(store: Store) -> None:
    store.update_notification_prefs({"kinds": {"assigned": True}, "digest_at": "09:00"}, mute_remove=[PID])
    assert store.conn.execute("SELECT count(*) FROM notification_pref").fetchone()[0] == 0
    assert store.notification_prefs() == DEFAULTS and len(store.outbox()) == 1  # the server decides all the same


def test_mute_and_unmute_keep_the_list_sorted_and_unique(store: Store) -> None:
    store.apply_pull(f.page(f.project(OTHER_PID, "OPS"), f.member(OTHER_PID, role="viewer")))
    store.update_notification_prefs(mute_add=[OTHER_PID, PID, OTHER_PID.upper()])
    assert store.notification_prefs()["muted_projects"] == [PID, OTHER_PID]
    assert store.outbox()[-1].args == {"mute_add": [OTHER_PID, PID, OTHER_PID]}  # canonical ids on the wire
    store.update_notification_prefs(mute_remove=[PID])
    assert store.notification_prefs()["muted_projects"] == [OTHER_PID]
    store.update_notification_prefs(mute_remove=[PID])  # not muted: nothing changes
    assert store.notification_prefs()["muted_projects"] == [OTHER_PID] and len(store.outbox()) == 3


def test_muting_a_project_that_is_not_mine_waits_for_the_server(store: Store) -> None:
    stranger = uuid7()
    store.update_notification_prefs({"kinds": {"overdue": False}}, mute_add=[stranger])
    # The server refuses the whole update (not_found): the view does not pretend otherwise.
    assert store.notification_prefs() == DEFAULTS
    assert [e.args for e in store.outbox()] == [{"set": {"kinds": {"overdue": False}}, "mute_add": [stranger]}]


@pytest.mark.parametrize(
    ("set_", "mute"),
    [
        ({"kinds": {"liked": False}}, {}),
        ({"kinds": None}, {}),
        ({"quiet_start": "22:00"}, {}),
        ({"quiet_end": "07:00"}, {}),
        ({"quiet_start": "22:00", "quiet_end": None}, {}),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, {}),
        ({"quiet_start": "24:00", "quiet_end": "07:00"}, {}),
        ({"digest_at": "9:00"}, {}),
        ({"time_zone": "Mars/Olympus_Mons"}, {}),
        ({"time_zone": ""}, {}),
        ({"due_soon_leads": []}, {}),
        ({"due_soon_leads": [0]}, {}),
        ({"due_soon_leads": [15 * 24 * 60]}, {}),
        ({"due_soon_leads": [1, 2, 3, 4, 5, 6]}, {}),
        ({"due_soon_leads": None}, {}),
        ({"snooze": 10}, {}),
        ({}, {"mute_add": ["APP"]}),
        ({}, {"mute_remove": [PID] * 501}),
    ],
)
def test_bad_args_raise_and_write_nothing(store: Store, set_: dict[str, Any], mute: dict[str, Any]) -> None:
    seen: list[Changes] = []
    store.subscribe(seen.append)
    with pytest.raises(InvalidMutation):
        store.update_notification_prefs(set_, **mute)
    assert store.outbox() == [] and store.notification_prefs() == DEFAULTS and seen == []


def test_rejection_rolls_the_preferences_back(store: Store) -> None:
    store.apply_pull(f.page(pref_row(kinds={"assigned": False})))
    store.update_notification_prefs({"kinds": {"commented": False}, "digest_at": "07:00"}, mute_add=[PID])  # 1
    store.update_notification_prefs({"time_zone": "Europe/Berlin"})  # 2
    error = {"code": "not_found", "message": "No such project."}
    [rejected] = store.record_push(
        {
            "last_mutation_id": 2,
            "results": [
                {"mutation_id": 1, "status": "rejected", "error": error},
                {"mutation_id": 2, "status": "applied"},
            ],
        }
    )
    assert (rejected.name, rejected.code, rejected.args["mute_add"]) == ("notification_pref.update", "not_found", [PID])
    prefs = store.notification_prefs()
    assert prefs["kinds"] == {**ALL_ON, "assigned": False} and prefs["muted_projects"] == []
    assert prefs["digest_at"] == "09:00" and prefs["time_zone"] == "Europe/Berlin" and prefs["pending"] is True


def test_revoking_a_project_keeps_the_preferences(store: Store) -> None:
    store.apply_pull(f.page(pref_row(muted_projects=[PID], kinds={"due_soon": False})))
    store.update_notification_prefs({"digest_at": "10:00"})
    store.apply_pull(f.page(revoked=[PID], cursor=store.cursor + 1))
    assert store.projects() == []
    prefs = store.notification_prefs()
    assert prefs["kinds"]["due_soon"] is False and prefs["digest_at"] == "10:00" and prefs["muted_projects"] == [PID]
    assert store.conn.execute("SELECT count(*) FROM base_notification_pref").fetchone()[0] == 1


def test_a_reset_cache_replays_pending_preferences(store: Store) -> None:
    store.apply_pull(f.page(pref_row(kinds={"assigned": False})))
    store.update_notification_prefs({"kinds": {"mentioned": False}})
    store.reset_cache()
    assert store.cursor == 0 and store.notification_prefs()["kinds"] == {**ALL_ON, "mentioned": False}
    store.apply_pull(f.page(pref_row(kinds={"assigned": False})))
    assert store.notification_prefs()["kinds"] == {**ALL_ON, "assigned": False, "mentioned": False}


def test_another_user_on_the_device_starts_from_the_defaults(store: Store) -> None:
    store.update_notification_prefs({"kinds": {"assigned": False}})
    store.set_account("http://keel.test", f.OTHER, "lina@example.com")
    assert store.notification_prefs() == {**DEFAULTS, "id": notification_pref_id(f.OTHER), "user_id": f.OTHER}
    store.sign_out()
    assert store.notification_prefs()["id"] is None and store.notification_prefs()["kinds"] == ALL_ON


def test_a_cache_of_the_previous_schema_is_rebuilt_keeping_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    store = Store.open(path)
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    store.apply_pull(f.page(f.user(), f.project(PID), f.member(PID), cursor=40))
    store.create_task(PID, "离线的卡片")
    client_id, outbox = store.client_id, store.outbox()
    store.close()
    conn = sqlite3.connect(path)  # as version 2 left it: no preference tables
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.execute("DROP TABLE notification_pref")
    conn.execute("DROP TABLE base_notification_pref")
    conn.commit()
    conn.close()
    again = Store.open(path)
    assert again.schema_version == SCHEMA_VERSION
    assert again.client_id == client_id and again.outbox() == outbox and again.user_id == f.ME
    assert again.cursor == 0  # the next pull starts over, so the preference row arrives
    again.update_notification_prefs({"kinds": {"overdue": False}})
    again.apply_pull(f.page(f.user(), f.project(PID), f.member(PID), pref_row(digest_at="08:30")))
    prefs = again.notification_prefs()
    assert prefs["kinds"]["overdue"] is False and prefs["digest_at"] == "08:30" and prefs["pending"] is True
    assert [e.name for e in again.outbox()] == ["task.create", "notification_pref.update"]
    again.close()


# --- against the real server ----------------------------------------------------------------------


async def owner_and_member(url: str, tmp_path: Path) -> tuple[Device, Device, str]:
    """The owner of a project and a member of it, each on a device of their own, both synced."""
    owner, pid = await owner_with_project(url, tmp_path / "owner.db")
    member = await sign_in(url, tmp_path / "member.db", await register(url, "李娜"))
    await share(owner, pid, member, "member")
    await member.engine.sync()
    return owner, member, pid


async def test_two_devices_of_one_user_converge(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        phone = await sign_in(url, tmp_path / "phone.db", a.email)
        await phone.engine.sync()
        assert phone.store.notification_prefs()["seq"] is None  # nobody has chosen anything yet
        a.store.update_notification_prefs(
            {"kinds": {"commented": False}, "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "Asia/Shanghai"},
            mute_add=[pid],
        )
        assert (await a.engine.sync()).rejected == []
        await phone.engine.sync()
        prefs = phone.store.notification_prefs()
        assert prefs["kinds"] == {**ALL_ON, "commented": False} and prefs["muted_projects"] == [pid]
        assert (prefs["quiet_start"], prefs["quiet_end"], prefs["time_zone"]) == ("22:00", "07:00", "Asia/Shanghai")
        assert prefs["id"] == notification_pref_id(a.user_id) and prefs["seq"] and not prefs["pending"]
        # Concurrent changes of different kinds and fields, offline on both: all of them survive.
        a.store.update_notification_prefs({"kinds": {"assigned": False}, "due_soon_leads": [30, 2880]})
        phone.store.update_notification_prefs({"kinds": {"mentioned": False}, "digest_at": None}, mute_remove=[pid])
        await phone.engine.sync()
        await a.engine.sync()
        await phone.engine.sync()
        for device in (a, phone):
            prefs = device.store.notification_prefs()
            assert prefs["kinds"] == {**ALL_ON, "commented": False, "assigned": False, "mentioned": False}
            assert (prefs["due_soon_leads"], prefs["digest_at"], prefs["muted_projects"]) == ([2880, 30], None, [])
            assert device.store.outbox() == [] and not prefs["pending"]
        assert settled(a.store.notification_prefs()) == settled(phone.store.notification_prefs())
        assert cache(a.store, "notification_pref") == cache(phone.store, "notification_pref")
        await a.close()
        await phone.close()


async def test_other_users_never_receive_my_preferences(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, b, pid = await owner_and_member(url, tmp_path)
        a.store.update_notification_prefs({"kinds": {"status_changed": False}}, mute_add=[pid])
        await a.engine.sync()
        await b.engine.sync()
        assert b.store.project(pid) is not None and b.store.notification_prefs()["kinds"] == ALL_ON
        assert list(cache(b.store, "notification_pref")) == []
        page = await b.remote.pull(0, str(uuid7()), 5000)
        assert [c for c in page["changes"] if c["entity"] == "notification_pref"] == []
        # Mine arrive only when asked for: a client of the shared contract never meets them.
        page = await a.remote.pull(0, str(uuid7()), 5000)
        assert [c["row"]["id"] for c in page["changes"] if c["entity"] == "notification_pref"] == [
            notification_pref_id(a.user_id)
        ]
        page = await a.remote.pull(0, str(uuid7()), 5000, include=())
        assert all(c["entity"] != "notification_pref" for c in page["changes"])
        await a.close()
        await b.close()


async def test_muting_a_project_no_longer_mine_is_rejected_and_rolled_back(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner, b, pid = await owner_and_member(url, tmp_path)
        # Offline, b mutes the project and turns a kind off in the same update; meanwhile b is removed.
        b.store.update_notification_prefs({"kinds": {"commented": False}}, mute_add=[pid])
        assert b.store.notification_prefs()["muted_projects"] == [pid]
        owner.store.remove_member(pid, b.user_id)
        await owner.engine.sync()
        report = await b.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("notification_pref.update", "not_found")]
        prefs = b.store.notification_prefs()
        assert prefs["muted_projects"] == [] and prefs["kinds"] == ALL_ON and not prefs["pending"]
        assert b.store.outbox() == [] and b.store.project(pid) is None
        [listed] = b.store.rejections()
        assert listed.args == {"set": {"kinds": {"commented": False}}, "mute_add": [pid]} and listed.message
        # A project this device never knew: nothing shows locally, and the server says why.
        b.store.update_notification_prefs(mute_add=[uuid7()])
        report = await b.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("notification_pref.update", "not_found")]
        assert b.store.notification_prefs()["muted_projects"] == []
        await owner.close()
        await b.close()


async def test_preferences_survive_revocation_and_an_expired_cursor(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner, b, pid = await owner_and_member(url, tmp_path)
        b.store.update_notification_prefs({"kinds": {"due_soon": False}, "digest_at": "08:00"})
        await b.engine.sync()
        owner.store.remove_member(pid, b.user_id)
        await owner.engine.sync()
        await b.engine.sync()
        assert b.store.projects() == []
        prefs = b.store.notification_prefs()
        assert prefs["kinds"]["due_soon"] is False and prefs["digest_at"] == "08:00" and prefs["seq"]
        with b.store.transaction():  # as if the server were restored from an older backup
            b.store.conn.execute("UPDATE meta SET value = '1000000' WHERE key = 'cursor'")
        await b.engine.sync()  # 410: the cache starts over, and the bootstrap brings the row again
        assert b.store.cursor < 1_000_000 and settled(b.store.notification_prefs()) == settled(prefs)
        await owner.close()
        await b.close()
