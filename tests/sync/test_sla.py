"""SLA arithmetic (sync.sla): golden numbers worked out by hand in the comments.

Unless a test says otherwise, the policies are PROTOCOL-2.md's defaults: business hours 09:00-18:00
Asia/Shanghai (UTC+8 all year, no DST), China's 2026 schedule (see tests/sync/test_workdays.py), so a
working day has 540 business minutes. ``sh(...)`` builds a Shanghai wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sync.sla import (
    DEFAULT_POLICIES,
    DueTimes,
    Policy,
    add_business_time,
    breached,
    business_time,
    due_at,
    due_times,
    elapsed_fraction,
    priority_for,
    remaining,
    state,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
URGENT, HIGH, MEDIUM, LOW = (DEFAULT_POLICIES[p] for p in ("urgent", "high", "medium", "low"))
MIN = timedelta(minutes=1)


def sh(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_default_policies_and_the_priority_matrix() -> None:
    table = {p: (v.first_response_minutes, v.resolution_minutes, v.calendar) for p, v in DEFAULT_POLICIES.items()}
    assert table == {
        "urgent": (30, 240, "always"),
        "high": (120, 960, "business"),
        "medium": (240, 1440, "business"),
        "low": (480, 2400, "business"),
        "none": (480, 4800, "business"),
    }
    assert {
        (v.business_start, v.business_end, v.time_zone, v.holidays, v.auto_close_days)
        for v in DEFAULT_POLICIES.values()
    } == {("09:00", "18:00", "Asia/Shanghai", "cn", 7)}
    rows = [[priority_for(s, i) for i in range(1, 5)] for s in range(1, 5)]
    assert rows == [
        ["urgent", "urgent", "high", "high"],
        ["urgent", "high", "high", "medium"],
        ["high", "medium", "medium", "low"],
        ["medium", "low", "low", "low"],
    ]
    with pytest.raises(ValueError):
        priority_for(0, 3)


def test_business_hours_on_an_ordinary_week() -> None:
    # Tue 3/10 10:00. First response 240 min: 10:00 + 4 h = 14:00 the same day.
    # Resolution 1440 min: Tue 10-18 = 480, Wed 540 (1020), Thu 09:00 + 420 = 16:00.
    assert due_times(MEDIUM, sh(3, 10, 10)) == DueTimes(sh(3, 10, 14), sh(3, 12, 16))
    # Created on Saturday night: the clock starts Monday 09:00, high's 120 min end at 11:00.
    assert due_at(HIGH, "first_response", sh(3, 14, 23, 30)) == sh(3, 16, 11)


def test_a_working_saturday_of_the_spring_festival_2026() -> None:
    # Fri 2/13 16:00. First response 240: Fri 16-18 = 120, then Sat 2/14 is a working day (调休):
    # 09:00 + 120 = 11:00 Saturday.
    # Resolution 1440: Fri 120, Sat 540 (660), 2/15-2/23 off, Tue 2/24 540 (1200), Wed 2/25 09:00 + 240 = 13:00.
    assert due_times(MEDIUM, sh(2, 13, 16)) == DueTimes(sh(2, 14, 11), sh(2, 25, 13))
    # With holidays "none" the Saturday is a weekend and the festival ordinary days:
    # Fri 120, Mon 2/16 09:00 + 120 = 11:00.
    assert due_at(Policy(240, 1440, holidays="none"), "first_response", sh(2, 13, 16)) == sh(2, 16, 11)


def test_the_national_day_week_2026() -> None:
    # Low (480 / 2400), Wed 9/30 17:00. First response: Wed 60, 10/1-10/7 off, Thu 10/8 09:00 + 420 = 16:00.
    # Resolution: Wed 60, Thu 10/8 540 (600), Fri 10/9 540 (1140), Sat 10/10 works 540 (1680), Sun off,
    # Mon 10/12 540 (2220), Tue 10/13 09:00 + 180 = 12:00.
    assert due_times(LOW, sh(9, 30, 17)) == DueTimes(sh(10, 8, 16), sh(10, 13, 12))
    # The whole week counts nothing: Wed 18:00 to Thu 10/8 09:00 is no business time.
    assert business_time(LOW, sh(9, 30, 18), sh(10, 8, 9)) == timedelta(0)


def test_urgent_runs_on_every_minute() -> None:
    # National Day night 23:50: +30 min and +240 min of wall time, holidays or not.
    assert due_times(URGENT, sh(10, 1, 23, 50)) == DueTimes(sh(10, 2, 0, 20), sh(10, 2, 3, 50))


def test_a_pause_and_its_resume() -> None:
    created = sh(3, 10, 10)  # Tue, medium
    waiting = (sh(3, 10, 11), sh(3, 11, 10, 30))  # 等待用户回复 from Tue 11:00 to Wed 10:30
    # Paused business time: Tue 11-18 = 420 + Wed 09:00-10:30 = 90 = 510 min.
    # First response: 240 + 510 = 750 from Tue 10:00: Tue 480, Wed 09:00 + 270 = 13:30
    # (equivalently: Tue 10-11 = 60 running, then 180 more from Wed 10:30 = 13:30).
    # Resolution: 1440 + 510 = 1950: Tue 480, Wed 540 (1020), Thu 540 (1560), Fri 3/13 09:00 + 390 = 15:30.
    assert due_times(MEDIUM, created, [waiting]) == DueTimes(sh(3, 11, 13, 30), sh(3, 13, 15, 30))
    # While still waiting (Wed 10:00), only Tue 10-11 has run: 60 / 240 = 0.25, and the clock stands still.
    still_waiting = [(waiting[0], None)]
    assert elapsed_fraction(MEDIUM, "first_response", created, still_waiting, sh(3, 11, 10)) == 0.25
    assert remaining(MEDIUM, "first_response", created, still_waiting, sh(3, 11, 10)) == timedelta(minutes=180)
    with pytest.raises(ValueError, match="still going on"):
        due_times(MEDIUM, created, still_waiting)
    # A priority change while waiting (Wed 10:00) takes the pause as ending then: Tue 11-18 = 420 + Wed 09-10 = 60
    # paused; first response 240 + 480 = 720 from Tue 10:00: Tue 480, Wed 09:00 + 240 = 13:00.
    assert due_at(MEDIUM, "first_response", created, still_waiting, now=sh(3, 11, 10)) == sh(3, 11, 13)
    # After the resume, Wed 12:30: 60 + 120 = 180 / 240 = 0.75, the amber warning.
    assert elapsed_fraction(MEDIUM, "first_response", created, [waiting], sh(3, 11, 12, 30)) == 0.75
    assert state(elapsed_fraction(MEDIUM, "first_response", created, [waiting], sh(3, 11, 12, 29))) == "ok"
    assert state(elapsed_fraction(MEDIUM, "first_response", created, [waiting], sh(3, 11, 12, 30))) == "warning"
    # Answered exactly at the due minute is on time; a minute later is a breach.
    assert not breached(MEDIUM, "first_response", created, [waiting], sh(3, 11, 13, 30), sh(3, 20, 0))
    assert breached(MEDIUM, "first_response", created, [waiting], sh(3, 11, 13, 31), sh(3, 20, 0))
    assert state(elapsed_fraction(MEDIUM, "first_response", created, [waiting], sh(3, 11, 13, 31))) == "breached"
    # Unmet: judged at "now".
    assert not breached(MEDIUM, "first_response", created, [waiting], None, sh(3, 11, 13, 30))
    assert breached(MEDIUM, "first_response", created, [waiting], None, sh(3, 11, 13, 30, 1))
    # Overlapping pauses (a waiting status, then done before it was left) count their union once.
    overlapping = [waiting, (sh(3, 11, 9), sh(3, 11, 10, 30))]
    assert due_times(MEDIUM, created, overlapping) == due_times(MEDIUM, created, [waiting])


def test_a_priority_change_midway() -> None:
    created = sh(3, 10, 10)  # Tue
    pause = (sh(3, 10, 11), sh(3, 10, 12))  # 60 paused minutes
    # Low: first response 480 + 60 = 540 from 10:00: Tue has exactly 480 left, then Wed 09:00 + 60 = 10:00.
    assert due_at(LOW, "first_response", created, [pause]) == sh(3, 11, 10)
    # At Tue 15:00 it becomes high: recomputed from created_at with high's policy plus the same pause:
    # first response 120 + 60 = 180 → 13:00 Tue, already past at 15:00: (5 h - 1 h paused) / 2 h = 2.0.
    # Resolution 960 + 60 = 1020: Tue 480, Wed 09:00 + 540 = 18:00 (the end of the day, not Thursday 09:00).
    assert due_times(HIGH, created, [pause]) == DueTimes(sh(3, 10, 13), sh(3, 11, 18))
    assert elapsed_fraction(HIGH, "first_response", created, [pause], sh(3, 10, 15)) == 2.0
    assert breached(HIGH, "first_response", created, [pause], None, sh(3, 10, 15))
    assert not breached(LOW, "first_response", created, [pause], None, sh(3, 10, 15))


def test_time_zones_of_the_inputs_do_not_matter() -> None:
    # Tue 3/10 10:00 Shanghai is 02:00 UTC is 11:00 at UTC+9; the answers are the same instants, in UTC.
    for created in (
        sh(3, 10, 10),
        datetime(2026, 3, 10, 2, tzinfo=UTC),
        datetime(2026, 3, 10, 11, tzinfo=timezone(timedelta(hours=9))),
    ):
        due = due_times(MEDIUM, created)
        assert due == DueTimes(sh(3, 10, 14), sh(3, 12, 16))
        assert due.first_response_due_at.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        due_times(MEDIUM, datetime(2026, 3, 10, 10))


def test_shanghai_has_no_dst_but_berlin_does() -> None:
    berlin = Policy(240, 1440, time_zone="Europe/Berlin", holidays="none")
    # Berlin springs forward on Sun 3/29/2026. Fri 3/27 17:00 CET (16:00Z): Fri 60 min, then Mon 3/30
    # 09:00 CEST, which is 07:00Z (Friday's 09:00 was 08:00Z), + 180 = 12:00 CEST = 10:00Z.
    assert due_at(berlin, "first_response", datetime(2026, 3, 27, 17, tzinfo=BERLIN)) == datetime(
        2026, 3, 30, 10, tzinfo=UTC
    )
    # It falls back on Sun 10/25: Fri 10/23 17:00 CEST (15:00Z) + 60, Mon 10/26 09:00 CET = 08:00Z, + 180 = 11:00Z.
    assert due_at(berlin, "first_response", datetime(2026, 10, 23, 17, tzinfo=BERLIN)) == datetime(
        2026, 10, 26, 11, tzinfo=UTC
    )
    # Shanghai's 09:00 is 01:00Z on both sides of those dates (Fri 3/27 17:00 + 60, Mon 3/30 09:00 + 180 = 12:00).
    assert due_at(MEDIUM, "first_response", sh(3, 27, 17)) == datetime(2026, 3, 30, 4, tzinfo=UTC)
    # Business time is real elapsed time: Cairo springs forward at 00:00 on Fri 4/24/2026, so its business
    # hours 00:00-09:00 that day last 8 h (22:00Z Thu to 06:00Z Fri), not 9.
    cairo = Policy(60, 600, business_start="00:00", business_end="09:00", time_zone="Africa/Cairo", holidays="none")
    friday = datetime(2026, 4, 24, 12, tzinfo=UTC)
    assert business_time(cairo, friday - timedelta(hours=15), friday) == timedelta(hours=8)


def test_minute_boundaries() -> None:
    # Created at 18:00 exactly: nothing left on Tuesday, high's 120 min run Wed 09:00-11:00.
    assert due_at(HIGH, "first_response", sh(3, 10, 18)) == sh(3, 11, 11)
    # At 08:59:30 the clock starts at 09:00.
    assert due_at(HIGH, "first_response", sh(3, 10, 8, 59, 30)) == sh(3, 10, 11)
    # At 17:59:30: 30 s on Tuesday, then 119.5 min from Wed 09:00 = 10:59:30.
    assert due_at(HIGH, "first_response", sh(3, 10, 17, 59, 30)) == sh(3, 11, 10, 59, 30)
    # Tue 17:59 to Wed 09:01 holds two business minutes.
    assert business_time(HIGH, sh(3, 10, 17, 59), sh(3, 11, 9, 1)) == 2 * MIN
    # A due time that fills a day exactly is that day's 18:00: low's 480 min from Tue 10:00.
    assert due_at(LOW, "first_response", sh(3, 10, 10)) == sh(3, 10, 18)


def test_bad_policies_are_refused() -> None:
    for kwargs in (
        {"business_start": "18:00", "business_end": "09:00"},
        {"business_start": "9:00"},
        {"time_zone": "Mars/Olympus"},
        {"auto_close_days": 0},
    ):
        with pytest.raises(ValueError):
            Policy(60, 600, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Policy(0, 600)


zones = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Africa/Cairo", "UTC"])
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
hours = st.sampled_from([("09:00", "18:00"), ("00:00", "09:00"), ("08:30", "12:15"), ("13:00", "23:59")])


@settings(deadline=None)  # no timed assertions: a busy CI machine is not a failure
@given(instants, st.integers(min_value=0, max_value=20_000 * 60), zones, hours, st.sampled_from(["cn", "none"]))
def test_adding_business_time_then_counting_it_back(
    start: datetime, seconds: int, zone: str, window: tuple[str, str], holidays: str
) -> None:
    policy = Policy(60, 600, business_start=window[0], business_end=window[1], time_zone=zone, holidays=holidays)  # type: ignore[arg-type]
    amount = timedelta(seconds=seconds)
    assert business_time(policy, start, add_business_time(policy, start, amount)) == amount


@settings(deadline=None)  # no timed assertions: a busy CI machine is not a failure
@given(instants, st.integers(min_value=0, max_value=5000), st.integers(min_value=1, max_value=3000))
def test_the_fraction_is_one_at_the_due_time(created: datetime, pause_after: int, pause_length: int) -> None:
    pause = (created + pause_after * MIN, created + (pause_after + pause_length) * MIN)
    due = due_at(MEDIUM, "resolution", created, [pause])
    assume(pause[1] <= due)
    assert elapsed_fraction(MEDIUM, "resolution", created, [pause], due) == 1.0
