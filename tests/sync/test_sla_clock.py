"""A ticket's SLA clock (sync.sla_clock): golden numbers worked out by hand in the comments.

The policy is PROTOCOL-2.md's default for `medium`: 240 minutes to a first response and 1,440 to a
resolution, business hours 09:00-18:00 Asia/Shanghai with China's holidays. 2026-03-02 is an ordinary
Monday, so Monday to Wednesday have 540 business minutes each. ``sh(...)`` builds a Shanghai time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.sla import DEFAULT_POLICIES
from sync.sla_clock import clock, due_and_warn, pauses_from_moves, target

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEDIUM = DEFAULT_POLICIES["medium"]
MIN = timedelta(minutes=1)


def sh(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


def test_due_and_75_percent_instants() -> None:
    # Monday 10:00 + 240 business minutes = 14:00; 75% (180) = 13:00.
    assert due_and_warn(MEDIUM, "first_response", sh(2, 10), [], sh(2, 10)) == (sh(2, 14), sh(2, 13))
    # 1,440 minutes: Monday 480 (to 18:00), Tuesday 540 (1,020), Wednesday 420 more: 16:00.
    # 75% (1,080): Wednesday's first 60 minutes, 10:00.
    assert due_and_warn(MEDIUM, "resolution", sh(2, 10), [], sh(2, 10)) == (sh(4, 16), sh(4, 10))


def test_states_along_a_first_response() -> None:
    created = sh(2, 10)
    at_1330 = clock(MEDIUM, created, [], None, None, sh(2, 13, 30))
    first = at_1330.first_response
    assert (first.fraction, first.remaining, first.state) == (210 / 240, 30 * MIN, "warning")
    assert at_1330.resolution.state == "ok" and at_1330.resolution.fraction == 210 / 1440
    assert at_1330.warning and not at_1330.breached and at_1330.next == first
    assert target(MEDIUM, "first_response", created, [], None, sh(2, 12, 59)).state == "ok"
    assert target(MEDIUM, "first_response", created, [], None, sh(2, 13)).state == "warning"  # 75% exactly
    on_time = target(MEDIUM, "first_response", created, [], None, sh(2, 14))
    assert (on_time.fraction, on_time.state) == (1.0, "warning")  # due exactly: still on time
    assert target(MEDIUM, "first_response", created, [], None, sh(2, 14, 0, 1)).state == "breached"
    # Met: on time, or late; a met target keeps its numbers at the instant it was met.
    met = target(MEDIUM, "first_response", created, [], sh(2, 13, 59), sh(3, 12))
    assert (met.state, met.fraction, met.met_at) == ("met", 239 / 240, sh(2, 13, 59))
    assert target(MEDIUM, "first_response", created, [], sh(2, 14, 1), sh(3, 12)).state == "breached"


def test_a_target_due_at_closing_time_is_breached_that_evening() -> None:
    # Monday 14:00 + 240 = 18:00 sharp. At 20:00 no business minute has passed since, yet the scheduler
    # (`due_at < now`) calls it breached, and so does the clock.
    late = target(MEDIUM, "first_response", sh(2, 14), [], None, sh(2, 20))
    assert (late.due_at, late.fraction, late.remaining, late.state) == (sh(2, 18), 1.0, timedelta(0), "breached")


def test_a_pause_and_its_resume() -> None:
    created = sh(2, 10)
    # Waiting for the requester from Monday 11:00 (60 minutes used) ...
    during = clock(MEDIUM, created, [(sh(2, 11), None)], None, None, sh(2, 15))
    assert during.paused and during.first_response.fraction == 60 / 240 and during.first_response.state == "ok"
    # ... the pause so far (11:00-15:00, 240 minutes) moves the due time: 10:00 + 240 + 240 = 18:00.
    assert during.first_response.due_at == sh(2, 18)
    # ... until Tuesday 10:00: 420 + 60 = 480 paused minutes. Due: Monday 10:00 + 720 = Tuesday 13:00;
    # 75% at 180 + 480 = 660: Tuesday 12:00, when 60 + 120 = 180 minutes have been used.
    pauses = [(sh(2, 11), sh(3, 10))]
    assert due_and_warn(MEDIUM, "first_response", created, pauses, sh(3, 12)) == (sh(3, 13), sh(3, 12))
    after = clock(MEDIUM, created, pauses, None, None, sh(3, 12))
    assert not after.paused and after.first_response.fraction == 0.75 and after.first_response.state == "warning"
    # A met target does not count the pauses after it was met.
    met = target(
        MEDIUM, "first_response", created, [(sh(2, 11), sh(3, 10)), (sh(3, 11), None)], sh(3, 10, 30), sh(4, 9)
    )
    assert (met.due_at, met.fraction, met.state) == (sh(3, 13), 90 / 240, "met")


def test_pauses_from_the_status_history() -> None:
    waits = {"waiting", "done"}.__contains__
    moves = [(sh(2, 11), "doing"), (sh(2, 12), "waiting"), (sh(2, 13), "done"), (sh(3, 9), "doing")]
    # waiting then done is one pause (both stop the clock); a move into the same kind adds none.
    assert pauses_from_moves(sh(2, 10), "todo", moves, waits) == [(sh(2, 12), sh(3, 9))]
    assert pauses_from_moves(sh(2, 10), "waiting", moves[:1], waits) == [(sh(2, 10), sh(2, 11))]
    assert pauses_from_moves(sh(2, 10), "todo", moves[:3], waits) == [(sh(2, 12), None)]


@settings(max_examples=150, deadline=None)
@given(
    created=st.integers(0, 7 * 24 * 60),
    pause_after=st.integers(0, 3000),
    pause_length=st.integers(1, 3000),
    resumed=st.booleans(),
    look=st.integers(0, 9000),
)
def test_the_states_agree_with_the_fraction(
    created: int, pause_after: int, pause_length: int, resumed: bool, look: int
) -> None:
    """`ok` is under 75% of the target used and over 100% is `breached`, whatever the pauses and hours."""
    start = sh(2, 0) + created * MIN
    begin = start + pause_after * MIN
    pauses = [(begin, begin + pause_length * MIN if resumed else None)]
    now = start + look * MIN
    for which in ("first_response", "resolution"):
        found = target(MEDIUM, which, start, pauses, None, now)  # type: ignore[arg-type]
        if found.state == "ok":
            assert found.fraction < 0.75
        if found.fraction > 1:
            assert found.state == "breached"
        assert found.warn_at <= found.due_at
