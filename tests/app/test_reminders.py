"""On-device reminders, the pure part: when each reminder goes off (Shanghai, and New York and Berlin
around their DST changes), quiet hours, catch-ups, snoozes, the server's due_soon, and the log that
remembers what went out across restarts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.i18n import LOCALES, catalogue, set_locale
from app.reminders import (
    LOG_FILE,
    History,
    Reminder,
    ReminderLog,
    ReminderSettings,
    batches,
    defer,
    device_zone,
    lead_text,
    plan,
    quiet_end,
    server_covers,
    snooze_until,
    snoozed_text,
    text_of,
)
from app.reminders.schedule import digest_slots, time_key
from sync.store import Store
from tests.app.moments import SHANGHAI, iso, sh, tid
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
H, D = timedelta(hours=1), timedelta(days=1)
ME, OTHER = f.ME, f.OTHER


def task(
    n: int, due: datetime | None, *, assignee: str | None = ME, category: str = "todo", **kw: Any
) -> dict[str, Any]:
    """A task row as the runner hands it to the schedule."""
    return {
        "id": tid(n),
        "key": f"APP-{n}",
        "title": kw.pop("title", f"任务{n}"),
        "due_at": iso(due) if due else None,
        "assignee_id": assignee,
        "status_category": category,
        **kw,
    }


def settings(zone: str = "Asia/Shanghai", **kw: Any) -> ReminderSettings:
    return ReminderSettings(zone=zone, **kw)


def planned(tasks: list[dict[str, Any]], now: datetime, history: History | None = None, **kw: Any) -> list[Reminder]:
    s = kw.pop("s", None) or settings(**kw)
    return list(plan(tasks, user_id=ME, settings=s, history=history or History(), now=now).reminders)


def soon(tasks: list[dict[str, Any]], now: datetime, history: History | None = None, **kw: Any) -> list[Reminder]:
    """The "due soon" and snoozed reminders only (the digest has tests of its own)."""
    return [r for r in planned(tasks, now, history, **kw) if r.kind != "overdue_digest"]


def fired(*entries: tuple[int, datetime, timedelta]) -> frozenset[tuple[str, str, int]]:
    return frozenset((tid(n), time_key(due), int(lead.total_seconds())) for n, due, lead in entries)


# --- settings ------------------------------------------------------------------------------------


def test_defaults_remind_24h_and_1h_before_digest_at_nine_and_keep_night_quiet() -> None:
    s = ReminderSettings()
    assert s.leads == (24 * H, H)
    assert s.digest_at == time(9, 0) and s.morning == time(9, 0)
    assert s.quiet == (time(22, 0), time(8, 0))
    assert s.zone is None and s.enabled


def test_leads_are_sorted_longest_first_without_repeats_and_checked() -> None:
    assert ReminderSettings(leads=(H, 24 * H, H, 30 * timedelta(minutes=1))).leads == (24 * H, H, timedelta(minutes=30))
    for bad in [(timedelta(0),), (-H,), (15 * D,), (timedelta(seconds=90),), tuple(n * H for n in range(1, 7))]:
        with pytest.raises(ValueError):
            ReminderSettings(leads=bad)
    with pytest.raises(ValueError, match="unknown time zone"):
        ReminderSettings(zone="Mars/Olympus")
    with pytest.raises(ValueError, match="wall-clock"):
        ReminderSettings(digest_at=time(9, 0, tzinfo=UTC))


def test_settings_survive_json_and_an_unreadable_field_keeps_its_default() -> None:
    s = ReminderSettings(leads=(2 * D, 3 * H), digest_at=None, quiet=(time(23, 30), time(7, 0)), zone="Europe/Berlin")
    assert ReminderSettings.from_json(s.to_json()) == s
    broken = json.loads(s.to_json()) | {"leads_min": [-5], "quiet": "all night"}
    back = ReminderSettings.from_json(json.dumps(broken))
    assert back.leads == ReminderSettings().leads and back.quiet == ReminderSettings().quiet
    assert back.zone == "Europe/Berlin" and back.digest_at is None
    assert ReminderSettings.from_json("not json") == ReminderSettings()


def test_the_device_zone_is_an_iana_zone_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    assert device_zone() == SHANGHAI
    monkeypatch.setenv("TZ", ":America/New_York")
    assert device_zone() == NEW_YORK
    monkeypatch.setenv("TZ", "Nowhere/Special")
    assert device_zone() is not None  # falls back to /etc/localtime or the current offset; never raises
    assert ReminderSettings(zone="Europe/Berlin").tz() == BERLIN


# --- due soon ------------------------------------------------------------------------------------


def test_due_soon_goes_off_24h_and_1h_before_in_shanghai() -> None:
    due = sh(11, 20, 18)
    got = planned([task(1, due)], now=sh(11, 18, 12))
    assert [(r.kind, r.task_id, r.lead, r.fire_at) for r in got] == [
        ("due_soon", tid(1), 24 * H, sh(11, 19, 18)),
        ("due_soon", tid(1), H, sh(11, 20, 17)),
    ]
    assert all(r.fire_at.tzinfo == UTC and r.due_at == due for r in got)
    p = plan([task(1, due)], user_id=ME, settings=settings(), history=History(), now=sh(11, 19, 18))
    assert [r.lead for r in p.due] == [24 * H]  # due at its time, not a second later
    assert p.next_at == sh(11, 20, 17)


def test_only_my_open_tasks_with_a_due_time_remind() -> None:
    due, now = sh(11, 20, 18), sh(11, 18, 12)
    silent = [
        task(1, due, assignee=OTHER),  # someone else's
        task(2, due, assignee=None),  # unassigned (the server reminds its reporter; this device does not)
        task(3, due, category="done"),
        task(4, None),
        task(5, due, deleted=True),
    ]
    assert planned(silent, now) == []
    assert plan([task(6, due)], user_id=None, settings=settings(), history=History(), now=now).reminders == ()
    assert planned([task(6, due)], now, s=settings(enabled=False)) == []


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        plan([], user_id=ME, settings=settings(), history=History(), now=datetime(2026, 1, 1, 9))
    with pytest.raises(ValueError, match="naive"):
        snooze_until(datetime(2026, 1, 1, 9), now=sh(1, 1, 8), settings=settings())


def test_a_24h_lead_across_new_yorks_spring_change_is_24_real_hours() -> None:
    # Clocks jump from 02:00 EST to 03:00 EDT on Sunday 8 March 2026.
    due = datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK)  # 16:00 UTC
    got = planned([task(1, due)], now=datetime(2026, 3, 6, 12, 0, tzinfo=NEW_YORK), zone="America/New_York")
    day_before = got[0]
    assert day_before.lead == 24 * H
    assert due.astimezone(UTC) - day_before.fire_at == timedelta(hours=24)  # real hours
    assert day_before.fire_at.astimezone(NEW_YORK).hour == 11  # so the wall clock says 11:00, not 12:00


def test_a_24h_lead_across_berlins_autumn_change_is_24_real_hours() -> None:
    # Clocks go back from 03:00 CEST to 02:00 CET on Sunday 25 October 2026.
    due = datetime(2026, 10, 25, 18, 0, tzinfo=BERLIN)
    got = planned([task(1, due)], now=datetime(2026, 10, 23, 12, 0, tzinfo=BERLIN), zone="Europe/Berlin")
    assert due - got[0].fire_at == timedelta(hours=24)
    assert got[0].fire_at.astimezone(BERLIN).hour == 19  # 25 wall-clock hours before


def test_the_digest_is_at_nine_local_on_both_sides_of_a_dst_change() -> None:
    s = settings(zone="America/New_York")
    overdue = [task(1, datetime(2026, 3, 1, 18, 0, tzinfo=NEW_YORK))]
    saturday = planned(overdue, now=datetime(2026, 3, 7, 8, 0, tzinfo=NEW_YORK), s=s)
    assert [(r.kind, r.fire_at) for r in saturday] == [("overdue_digest", datetime(2026, 3, 7, 14, 0, tzinfo=UTC))]
    done_saturday = History(digests=frozenset({"2026-03-07"}))
    sunday = planned(overdue, now=datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK), history=done_saturday, s=s)
    assert [(r.kind, r.fire_at) for r in sunday] == [("overdue_digest", datetime(2026, 3, 8, 13, 0, tzinfo=UTC))]
    assert [r.fire_at.astimezone(NEW_YORK).time() for r in saturday + sunday] == [time(9, 0), time(9, 0)]
    assert sunday[0].fire_at - saturday[0].fire_at == timedelta(hours=23)  # the short day
    berlin = digest_slots(datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), time(9, 0), BERLIN)
    assert [s.astimezone(BERLIN).time() for s in berlin] == [time(9, 0), time(9, 0)]
    assert berlin[1] - berlin[0] == timedelta(hours=25)  # the long day


# --- once per task, due time and lead ------------------------------------------------------------


def test_a_lead_that_went_out_never_goes_out_again_for_that_due_time() -> None:
    due = sh(11, 20, 18)
    history = History(fired=fired((1, due, 24 * H)))
    got = planned([task(1, due)], now=sh(11, 19, 18, 1), history=history)
    assert [r.lead for r in got] == [H]


def test_moving_the_due_time_arms_every_lead_again() -> None:
    old, new = sh(11, 20, 18), sh(11, 22, 18)
    history = History(fired=fired((1, old, 24 * H), (1, old, H)))
    assert soon([task(1, old)], now=sh(11, 20, 17, 30), history=history) == []
    got = soon([task(1, new)], now=sh(11, 20, 17, 30), history=history)
    assert [(r.lead, r.fire_at) for r in got] == [(24 * H, sh(11, 21, 18)), (H, sh(11, 22, 17))]


def test_the_same_due_time_spelled_differently_is_the_same_key() -> None:
    assert time_key(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)) == time_key(sh(11, 20, 18))
    due = sh(11, 20, 18)
    spelled = task(1, due) | {"due_at": "2026-11-20T10:00:00+00:00"}
    assert planned([spelled], now=sh(11, 19, 18, 1), history=History(fired=fired((1, due, 24 * H))))[0].lead == H


def test_leads_missed_while_the_app_was_closed_catch_up_once_then_give_way_to_the_digest() -> None:
    due = sh(11, 20, 18)
    # Opened 5 hours before the due time: the 24 h lead was missed; it goes out now, once.
    got = soon([task(1, due)], now=sh(11, 20, 13))
    assert [(r.lead, r.covers, r.fire_at) for r in got] == [
        (24 * H, (24 * H,), sh(11, 19, 18)),
        (H, (H,), sh(11, 20, 17)),
    ]
    # Opened 30 minutes before: both were missed; one reminder stands for both.
    got = soon([task(1, due)], now=sh(11, 20, 17, 30))
    assert [(r.lead, r.covers) for r in got] == [(H, (24 * H, H))]
    # Opened after the due time: no "due soon" any more (tomorrow's digest lists it).
    assert [r.kind for r in planned([task(1, due)], now=sh(11, 20, 19))] == ["overdue_digest"]


# --- quiet hours ---------------------------------------------------------------------------------


def test_quiet_hours_across_midnight_hold_a_reminder_until_they_end() -> None:
    s = settings()
    assert quiet_end(sh(11, 19, 23), s, SHANGHAI) == sh(11, 20, 8)  # before midnight: the next morning
    assert quiet_end(sh(11, 20, 3), s, SHANGHAI) == sh(11, 20, 8)  # after midnight: this morning
    assert quiet_end(sh(11, 20, 8), s, SHANGHAI) is None  # the end is not quiet
    assert quiet_end(sh(11, 19, 21, 59), s, SHANGHAI) is None
    assert defer(sh(11, 19, 12), s, SHANGHAI) == sh(11, 19, 12)
    # A task due at 23:30: its 24 h lead (23:30 the day before) waits until 08:00; its 1 h lead (22:30) too.
    got = planned([task(1, sh(11, 20, 23, 30))], now=sh(11, 19, 12))
    assert [(r.lead, r.fire_at) for r in got] == [(24 * H, sh(11, 20, 8)), (H, sh(11, 21, 8))]


def test_a_reminder_quiet_hours_push_past_the_due_time_still_goes_out() -> None:
    due = sh(11, 20, 7, 30)  # 1 h before is 06:30: quiet
    got = soon([task(1, due, title="晨会")], now=sh(11, 20, 1))
    # The 24 h lead was missed (08:00 yesterday) and the 1 h one (06:30) is quiet: one reminder at 08:00.
    assert [(r.lead, r.covers, r.fire_at) for r in got] == [(H, (24 * H, H), sh(11, 20, 8))]
    at_eight = plan([task(1, due, title="晨会")], user_id=ME, settings=settings(), history=History(), now=sh(11, 20, 8))
    assert [r.lead for r in at_eight.due] == [H]  # not dropped though the task is due by now
    title, body = text_of(at_eight.due[0], {tid(1): task(1, due, title="晨会")}, now=sh(11, 20, 8), zone=SHANGHAI)
    assert (title, body) == ("任务即将到期", "APP-1 晨会，已于今天 07:30 到期")


def test_leads_pushed_to_the_same_morning_become_one_reminder() -> None:
    got = soon([task(1, sh(11, 20, 8, 30))], now=sh(11, 19, 12), leads=(2 * H, H))
    assert [(r.lead, r.covers, r.fire_at) for r in got] == [(H, (2 * H, H), sh(11, 20, 8))]


def test_a_catch_up_in_quiet_hours_waits_for_the_morning() -> None:
    # Opened at 23:00; the 24 h lead of a task due at 10:00 tomorrow was missed: it goes out at 08:00.
    got = planned([task(1, sh(11, 20, 10))], now=sh(11, 19, 23))
    assert [(r.lead, r.fire_at) for r in got] == [(24 * H, sh(11, 20, 8)), (H, sh(11, 20, 9))]


def test_a_daytime_window_and_no_quiet_hours() -> None:
    nap = settings(quiet=(time(13, 0), time(14, 0)))
    assert quiet_end(sh(11, 19, 13, 30), nap, SHANGHAI) == sh(11, 19, 14)
    assert quiet_end(sh(11, 19, 23), nap, SHANGHAI) is None
    assert quiet_end(sh(11, 19, 23), settings(quiet=None), SHANGHAI) is None
    assert planned([task(1, sh(11, 20, 23, 30))], now=sh(11, 19, 12), quiet=None)[0].fire_at == sh(11, 19, 23, 30)


def test_quiet_hours_end_at_the_right_instant_across_dst() -> None:
    # New York, 8 March 2026: quiet 22:00-08:00 ends at 08:00 EDT, 8 real hours after 23:00 EST (a short night).
    s = settings(zone="America/New_York")
    start = datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK)
    end = quiet_end(start, s, NEW_YORK)
    assert end == datetime(2026, 3, 8, 8, 0, tzinfo=NEW_YORK) and end - start == timedelta(hours=8)


# --- the digest ----------------------------------------------------------------------------------


def test_the_digest_lists_my_tasks_overdue_at_its_time_once_a_day() -> None:
    tasks = [
        task(1, sh(11, 8, 18)),
        task(2, sh(11, 9, 18)),
        task(3, sh(11, 10, 10)),  # overdue only after 09:00
        task(4, sh(11, 1, 18), category="done"),
        task(5, sh(11, 1, 18), assignee=OTHER),
    ]
    got = [r for r in planned(tasks, now=sh(11, 10, 7)) if r.kind == "overdue_digest"]
    assert [(r.fire_at, r.tasks, r.day) for r in got] == [(sh(11, 10, 9), (tid(1), tid(2)), date(2026, 11, 10))]
    history = History(digests=frozenset({"2026-11-10"}))
    got = [r for r in planned(tasks, now=sh(11, 10, 9, 1), history=history) if r.kind == "overdue_digest"]
    assert [(r.fire_at, r.tasks) for r in got] == [(sh(11, 11, 9), (tid(1), tid(2), tid(3)))]
    assert [r for r in planned(tasks, now=sh(11, 10, 7), digest_at=None) if r.kind == "overdue_digest"] == []
    assert [r.kind for r in planned([task(6, sh(11, 30, 18))], now=sh(11, 10, 7))] == ["due_soon", "due_soon"]


def test_a_missed_digest_goes_out_late_on_its_day_but_not_at_night_or_the_next_morning() -> None:
    overdue = [task(1, sh(11, 1, 18))]
    afternoon = planned(overdue, now=sh(11, 10, 14))
    assert [(r.kind, r.day, r.fire_at <= sh(11, 10, 14)) for r in afternoon] == [
        ("overdue_digest", date(2026, 11, 10), True)
    ]
    night = planned(overdue, now=sh(11, 10, 23))
    assert [(r.day, r.fire_at) for r in night] == [(date(2026, 11, 11), sh(11, 11, 9))]
    next_morning = planned(overdue, now=sh(11, 11, 8, 30))  # yesterday's was missed: today's at 09:00 only
    assert [(r.day, r.fire_at) for r in next_morning] == [(date(2026, 11, 11), sh(11, 11, 9))]


def test_a_digest_in_quiet_hours_waits_for_their_end() -> None:
    got = planned([task(1, sh(11, 1, 18))], now=sh(11, 10, 5), digest_at=time(7, 0))
    assert [(r.day, r.fire_at) for r in got] == [(date(2026, 11, 10), sh(11, 10, 8))]


# --- snoozing ------------------------------------------------------------------------------------


def test_snooze_for_an_hour_until_tomorrow_morning_or_a_picked_time() -> None:
    s = settings()
    assert snooze_until("hour", now=sh(11, 19, 18), settings=s) == sh(11, 19, 19)
    assert snooze_until("tomorrow", now=sh(11, 19, 23, 30), settings=s) == sh(11, 20, 9)
    picked = sh(11, 20, 14, 45)
    assert snooze_until(picked, now=sh(11, 19, 18), settings=s) == picked
    with pytest.raises(ValueError, match="future"):
        snooze_until(sh(11, 19, 17), now=sh(11, 19, 18), settings=s)
    with pytest.raises(ValueError, match="unknown snooze"):
        snooze_until("later", now=sh(11, 19, 18), settings=s)
    # "Tomorrow" across New York's change is 09:00 EDT, 22 real hours after 10:00 EST the day before.
    ny = settings(zone="America/New_York")
    evening = datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK)
    assert snooze_until("tomorrow", now=evening, settings=ny) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)


def test_a_snooze_goes_off_once_and_puts_off_the_leads_before_it() -> None:
    due = sh(11, 20, 18)
    history = History(fired=fired((1, due, 24 * H)), snoozes={(tid(1), time_key(due)): sh(11, 20, 17, 30)})
    got = planned([task(1, due)], now=sh(11, 19, 18, 5), history=history)
    assert [(r.kind, r.fire_at, r.covers) for r in got] == [("snoozed", sh(11, 20, 17, 30), (H,))]
    # A snooze past the due time still goes out (the person asked for it); quiet hours still hold it.
    late = History(snoozes={(tid(1), time_key(due)): sh(11, 20, 23)})
    got = soon([task(1, due)], now=sh(11, 20, 12), history=late)
    assert [(r.kind, r.fire_at) for r in got] == [("snoozed", sh(11, 21, 8))]


def test_a_snooze_of_another_due_time_is_ignored() -> None:
    history = History(snoozes={(tid(1), time_key(sh(11, 18, 18))): sh(11, 19, 9)})
    got = planned([task(1, sh(11, 20, 18))], now=sh(11, 19, 8), history=history)
    assert [r.kind for r in got] == ["due_soon", "due_soon"]


# --- the server's due_soon -----------------------------------------------------------------------


def test_the_servers_due_soon_stands_for_the_leads_whose_moment_had_come() -> None:
    due, leads = sh(11, 20, 18), (24 * H, H)
    assert server_covers(due - 24 * H + timedelta(minutes=1), due, leads) == (24 * H,)  # on time
    assert server_covers(due - 24 * H - timedelta(minutes=3), due, leads) == (24 * H,)  # its clock a bit fast
    assert server_covers(due - 3 * H, due, leads) == (24 * H,)  # made late (a task given a near due time)
    assert server_covers(due - 30 * timedelta(minutes=1), due, leads) == (24 * H, H)
    assert server_covers(due - 30 * H, due, leads) is None  # about an earlier due time of the task
    assert server_covers(due + H, due, leads) is None
    assert server_covers(due - 47 * H, due, leads, server_lead=48 * H) == ()  # a longer server lead: another moment


def test_a_server_reminder_that_came_first_silences_the_local_24h_one_only() -> None:
    due = sh(11, 20, 18)
    history = History(server={(tid(1), time_key(due)): due - 24 * H + timedelta(minutes=1)})
    got = planned([task(1, due)], now=sh(11, 19, 17, 59), history=history)
    assert [r.lead for r in got] == [H]
    moved = planned([task(1, sh(11, 22, 18))], now=sh(11, 19, 17, 59), history=history)
    assert [r.lead for r in moved] == [24 * H, H]  # another due time: the server's does not count


# --- texts ---------------------------------------------------------------------------------------


def test_words_in_chinese_and_english() -> None:
    due = sh(11, 20, 18)
    rows = {tid(1): task(1, due, title="修复登录页闪退")}
    r = Reminder(tid(1), due, 24 * H, due - 24 * H, "due_soon", covers=(24 * H,))
    assert text_of(r, rows, now=due - 24 * H, zone=SHANGHAI) == (
        "任务即将到期",
        "APP-1 修复登录页闪退，明天 18:00 到期",
    )
    snoozed = Reminder(tid(1), due, None, sh(11, 20, 10), "snoozed")
    assert text_of(snoozed, rows, now=sh(11, 20, 10), zone=SHANGHAI)[1] == "APP-1 修复登录页闪退，今天 18:00 到期"
    far = text_of(r, rows, now=sh(11, 10, 9), zone=SHANGHAI)[1]
    assert far == "APP-1 修复登录页闪退，11月20日 18:00 到期"
    digest = Reminder(
        None, sh(11, 21, 9), None, sh(11, 21, 9), "overdue_digest", tasks=tuple(tid(n) for n in range(1, 6))
    )
    many = {tid(n): task(n, due) for n in range(1, 6)}
    assert text_of(digest, many, now=sh(11, 21, 9), zone=SHANGHAI) == (
        "你有 5 项任务已逾期",
        "APP-1 任务1、APP-2 任务2、APP-3 任务3，还有 2 项",
    )
    assert (
        lead_text(24 * H) == "提前 1 天"
        and lead_text(H) == "提前 1 小时"
        and lead_text(timedelta(minutes=90)) == "提前 90 分钟"
    )
    assert snoozed_text(sh(11, 21, 9), now=sh(11, 20, 18), zone=SHANGHAI) == "将于明天 09:00 再次提醒"
    set_locale("en")
    assert text_of(r, rows, now=due - 24 * H, zone=SHANGHAI) == (
        "Task due soon",
        "APP-1 修复登录页闪退 is due tomorrow at 18:00",
    )
    assert text_of(digest, many, now=sh(11, 21, 9), zone=SHANGHAI)[0] == "Overdue tasks: 5"


def test_the_catalogues_say_the_same_things_with_the_same_fields() -> None:
    root = Path(__file__).resolve().parents[2] / "app" / "i18n"
    files = {code: json.loads((root / code / "reminders.json").read_text(encoding="utf-8")) for code in LOCALES}
    assert list(files["zh-CN"]) == list(files["en"])  # the same keys, in the same order
    assert all(key.startswith("reminders.") for key in files["en"])
    for key in files["en"]:
        assert catalogue("zh-CN")[key] == files["zh-CN"][key]


def test_more_than_three_due_at_once_become_one_summary_and_a_digest_stays_apart() -> None:
    due = sh(11, 20, 18)
    soon = [Reminder(tid(n), due, H, due - H, "due_soon") for n in range(4)]
    digest = Reminder(None, sh(11, 20, 9), None, sh(11, 20, 9), "overdue_digest", tasks=(tid(9),))
    assert batches(soon[:3]) == [[r] for r in soon[:3]]
    assert batches([*soon, digest]) == [[digest], soon]


# --- the log -------------------------------------------------------------------------------------


def reminder(n: int = 1, due: datetime | None = None, lead: timedelta = 24 * H) -> Reminder:
    due = due or sh(11, 20, 18)
    return Reminder(tid(n), due, lead, due - lead, "due_soon", covers=(lead,))


def test_the_log_is_its_own_file_beside_the_store_and_survives_a_restart(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    log = ReminderLog.open(tmp_path)
    assert log.path == tmp_path / LOG_FILE == tmp_path / "reminders.db"
    assert log.claim(reminder(), at=sh(11, 19, 18))
    log.close()
    again = ReminderLog.open(tmp_path)
    assert again.history().fired == fired((1, sh(11, 20, 18), 24 * H))
    assert not again.claim(reminder(), at=sh(11, 19, 18, 5))  # never twice
    again.close()
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not tables & {"fired", "snooze", "digest", "server_due_soon"}  # nothing in the sync store
    store.close()


def test_a_claim_that_nobody_showed_is_released(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    both = Reminder(tid(1), sh(11, 20, 18), H, sh(11, 20, 17), "due_soon", covers=(24 * H, H))
    assert log.claim(both, at=sh(11, 20, 17))
    assert not log.claim(reminder(lead=H), at=sh(11, 20, 17))  # one of its leads went out already
    log.release(both, at=sh(11, 20, 17))
    assert log.history().fired == frozenset()
    assert log.claim(reminder(lead=H), at=sh(11, 20, 17, 5))
    log.close()


def test_one_digest_a_day(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    day = Reminder(None, sh(11, 20, 9), None, sh(11, 20, 9), "overdue_digest", tasks=(tid(1),), day=date(2026, 11, 20))
    assert log.claim(day, at=sh(11, 20, 9))
    assert not log.claim(day, at=sh(11, 20, 10))
    assert log.history().digests == frozenset({"2026-11-20"})
    log.release(day, at=sh(11, 20, 9))
    assert log.history().digests == frozenset()
    log.close()


def test_a_snooze_goes_off_once_and_a_new_snooze_arms_again(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    due = sh(11, 20, 18)
    log.snooze(tid(1), due, sh(11, 19, 19))
    assert log.history().snoozes == {(tid(1), time_key(due)): sh(11, 19, 19)}
    snoozed = Reminder(tid(1), due, None, sh(11, 19, 19), "snoozed")
    assert log.claim(snoozed, at=sh(11, 19, 19))
    assert not log.claim(snoozed, at=sh(11, 19, 19, 1))
    assert log.history().snoozes == {}
    assert log.already_reminded(tid(1), due)  # a snoozed reminder is a reminder this device gave
    log.snooze(tid(1), due, sh(11, 20, 9))
    assert log.history().snoozes == {(tid(1), time_key(due)): sh(11, 20, 9)}
    log.cancel_snooze(tid(1), due)
    assert log.history().snoozes == {}
    log.close()


def test_the_servers_reminders_and_what_this_device_said(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    due = sh(11, 20, 18)
    assert log.record_server(tid(1), due, due - 24 * H)
    assert not log.record_server(tid(1), due, due - 24 * H)  # the same news twice
    assert log.history().server == {(tid(1), time_key(due)): due - 24 * H}
    assert not log.already_reminded(tid(1), due)  # the server's do not count as this device's
    log.claim(reminder(), at=due - 24 * H)
    assert log.already_reminded(tid(1), due)
    assert log.already_reminded(tid(1), due, since=due - 25 * H)
    assert not log.already_reminded(tid(1), due, since=due - 23 * H)
    assert not log.already_reminded(tid(1), sh(11, 21, 18))
    log.close()


def test_settings_are_kept_per_person(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    mine = ReminderSettings(leads=(2 * H,), zone="Asia/Shanghai")
    log.save_settings(ME, mine)
    assert log.settings(ME) == mine
    assert log.settings(OTHER) == ReminderSettings()
    log.close()
    assert ReminderLog.open(tmp_path).settings(ME) == mine


def test_prune_forgets_old_due_times_and_a_newer_log_is_refused(tmp_path: Path) -> None:
    log = ReminderLog.open(tmp_path)
    log.claim(reminder(1, sh(1, 10, 18)), at=sh(1, 9, 18))
    log.claim(reminder(2, sh(11, 20, 18)), at=sh(11, 19, 18))
    assert log.prune(sh(6, 1, 0)) == 1
    assert log.history().fired == fired((2, sh(11, 20, 18), 24 * H))
    log.close()
    with sqlite3.connect(tmp_path / LOG_FILE) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer"):
        ReminderLog.open(tmp_path)
