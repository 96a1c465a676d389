"""The notification settings' choices as store actions (app.state.notify_prefs), and the reminder
settings the synced preferences stand for (app.reminders.settings_from_prefs)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from app.reminders import ReminderSettings
from app.reminders.settings import prefs_of, settings_from_prefs
from app.state import notify_prefs as np
from sync.store import Store
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "store.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(f.page(f.user(), f.project(PID), f.member(PID)))
    return s


def test_lead_times_toggle_but_one_always_stays() -> None:
    prefs = {"due_soon_leads": [1440, 60]}
    assert np.toggle_lead(prefs, 15) == {"due_soon_leads": [1440, 60, 15]}
    assert np.toggle_lead(prefs, 60) == {"due_soon_leads": [1440]}
    assert np.toggle_lead({"due_soon_leads": [60]}, 60) is None
    assert np.toggle_lead({"due_soon_leads": [5, 15, 60, 180, 1440]}, 2880) is None  # at most five


def test_quiet_hours_on_off_and_never_an_empty_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    off: dict[str, str | None] = {"quiet_start": None, "quiet_end": None}
    assert np.quiet_set(off, on=True) == {"quiet_start": "22:00", "quiet_end": "08:00", "time_zone": "Asia/Shanghai"}
    assert np.quiet_set({"quiet_start": "22:00", "quiet_end": "08:00"}, on=False) == off
    assert np.quiet_set({"quiet_start": "22:00", "quiet_end": "08:00"}, on=True, start="08:00")["quiet_end"] == "08:30"
    assert np.quiet_set({"quiet_start": "23:30", "quiet_end": "08:00"}, on=True, end="23:30")["quiet_end"] == "00:00"
    assert np.digest_set("off") == {"digest_at": None} and np.digest_set("08:30") == {"digest_at": "08:30"}


def test_every_choice_is_one_store_action_the_screen_reads_back(store: Store) -> None:
    prefs = store.notification_prefs()
    assert all(np.kind_on(prefs, kind) for kind in np.KINDS) and not np.muted(prefs, PID)
    before = store.pending_count()
    store.update_notification_prefs({"kinds": {"commented": False}})
    store.update_notification_prefs(np.quiet_set(store.notification_prefs(), on=True))
    store.update_notification_prefs(mute_add=[PID])
    prefs = store.notification_prefs()
    assert not np.kind_on(prefs, "commented") and np.kind_on(prefs, "assigned")
    assert (prefs["quiet_start"], prefs["quiet_end"]) == ("22:00", "08:00")
    assert np.muted(prefs, PID)
    assert store.pending_count() == before + 3


def test_reminder_settings_follow_the_synced_preferences() -> None:
    defaults = {"kinds": {}, "due_soon_leads": [1440, 60], "digest_at": "09:00", "quiet_start": None}
    assert settings_from_prefs(defaults) == ReminderSettings(quiet=None)
    chosen = settings_from_prefs(
        {
            "kinds": {"due_soon": False, "overdue": True},
            "due_soon_leads": [180],
            "digest_at": "08:30",
            "quiet_start": "23:00",
            "quiet_end": "07:00",
            "time_zone": "Europe/Berlin",
            "muted_projects": [PID],
        },
        morning=time(8, 0),
    )
    assert chosen.leads == (timedelta(hours=3),) and chosen.digest_at == time(8, 30)
    assert chosen.quiet == (time(23, 0), time(7, 0)) and chosen.zone == "Europe/Berlin"
    assert not chosen.due_soon and chosen.muted == frozenset({PID}) and chosen.morning == time(8, 0)
    # The overdue kind off means no digest; a zone this device does not know falls back, never silences.
    assert settings_from_prefs({**defaults, "kinds": {"overdue": False}}).digest_at is None
    assert settings_from_prefs({**defaults, "time_zone": "Mars/Olympus"}).zone is None
    # And back: what the runner saves is what it reads.
    mine = ReminderSettings(leads=(timedelta(hours=2),), quiet=(time(22), time(8)), zone="Asia/Shanghai")
    assert settings_from_prefs({"kinds": {}, **prefs_of(mine)}) == mine
