"""SLA arithmetic of PROTOCOL-2.md (``sla_policy``, "Due times"): pure, shared by the server and the app.

All instants are timezone-aware datetimes (naive ones are refused); results are in UTC. Business
time is real elapsed time inside the policy's business hours, in its time zone, on its working days
(``holidays`` ``cn`` → sync.workdays' ``cn``, which counts weekends only for a year it does not know;
``none`` → ``weekdays``). On an ``always`` calendar every instant counts. docs/metrics.md has the formulas.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.workdays import Calendar, is_working_day

Priority = Literal["urgent", "high", "medium", "low", "none"]
SlaCalendar = Literal["always", "business"]
Holidays = Literal["cn", "none"]
State = Literal["ok", "warning", "breached"]

# A target is "about to breach" (sla_warning, amber countdown) from this share of its time.
WARNING_FRACTION = 0.75

# A pause: from its start to its end, or still going on (None) when the status still pauses.
Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class Policy:
    first_response_minutes: int
    resolution_minutes: int
    calendar: SlaCalendar = "business"
    business_start: str = "09:00"
    business_end: str = "18:00"
    time_zone: str = "Asia/Shanghai"
    holidays: Holidays = "cn"
    auto_close_days: int = 7

    def __post_init__(self) -> None:
        for minutes in (self.first_response_minutes, self.resolution_minutes):
            if not 1 <= minutes <= 525_600:
                raise ValueError(f"SLA minutes must be 1 to 525600, not {minutes}")
        if self.calendar not in ("always", "business") or self.holidays not in ("cn", "none"):
            raise ValueError(f"bad calendar {self.calendar!r} or holidays {self.holidays!r}")
        if _hhmm(self.business_start) >= _hhmm(self.business_end):
            raise ValueError(f"business_start {self.business_start} must be before business_end {self.business_end}")
        if not 1 <= self.auto_close_days <= 90:
            raise ValueError(f"auto_close_days must be 1 to 90, not {self.auto_close_days}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error

    def target(self, which: Literal["first_response", "resolution"]) -> timedelta:
        return timedelta(minutes=self.first_response_minutes if which == "first_response" else self.resolution_minutes)


def _hhmm(text: str) -> time:
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"expected HH:MM, not {text!r}")
    return time(int(hours), int(minutes))


# The defaults of a new service_desk project (PROTOCOL-2.md): business 09:00-18:00 Asia/Shanghai with
# China's holidays, except urgent which runs on every minute.
DEFAULT_POLICIES: dict[Priority, Policy] = {
    "urgent": Policy(30, 240, calendar="always"),
    "high": Policy(120, 960),
    "medium": Policy(240, 1440),
    "low": Policy(480, 2400),
    "none": Policy(480, 4800),
}

# severity (1 critical .. 4 minor) x impact (1 most users .. 4 one user) -> priority.
_MATRIX: tuple[tuple[Priority, ...], ...] = (
    ("urgent", "urgent", "high", "high"),
    ("urgent", "high", "high", "medium"),
    ("high", "medium", "medium", "low"),
    ("medium", "low", "low", "low"),
)


def priority_for(severity: int, impact: int) -> Priority:
    if not (1 <= severity <= 4 and 1 <= impact <= 4):
        raise ValueError(f"severity and impact are 1 to 4, not {severity} and {impact}")
    return _MATRIX[severity - 1][impact - 1]


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: SLA instants must carry a time zone")
    return instant.astimezone(UTC)


def _windows(policy: Policy, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The business windows (UTC) in time order, from the one of ``since``'s local day onwards."""
    hours = (policy.time_zone, policy.business_start, policy.business_end, policy.holidays)
    day: date = since.astimezone(ZoneInfo(policy.time_zone)).date()
    while True:
        window = _window(hours, day)
        if window is not None:
            yield window
        day += timedelta(days=1)


@functools.lru_cache(maxsize=65_536)
def _window(hours: tuple[str, str, str, Holidays], day: date) -> tuple[datetime, datetime] | None:
    """One local day's business window in UTC, or None on a day off: cached, as a desk's queue asks for the
    same days again and again (its countdowns are redrawn every minute)."""
    time_zone, business_start, business_end, holidays = hours
    calendar: Calendar = "cn" if holidays == "cn" else "weekdays"
    if not is_working_day(day, calendar):
        return None
    zone = ZoneInfo(time_zone)
    return (
        datetime.combine(day, _hhmm(business_start), zone).astimezone(UTC),
        datetime.combine(day, _hhmm(business_end), zone).astimezone(UTC),
    )


def business_time(policy: Policy, start: datetime, end: datetime) -> timedelta:
    """The time between two instants that counts under ``policy`` (zero when ``end`` is not after ``start``)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return timedelta(0)
    if policy.calendar == "always":
        return end - start
    total = timedelta(0)
    for window_start, window_end in _windows(policy, start):
        if window_start >= end:
            return total
        total += max(timedelta(0), min(end, window_end) - max(start, window_start))
    raise AssertionError("unreachable: the windows never end")


def add_business_time(policy: Policy, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant by which ``amount`` of counting time has passed since ``start``."""
    start = _aware(start)
    if amount <= timedelta(0) or policy.calendar == "always":
        return start + max(amount, timedelta(0))
    remaining = amount
    for window_start, window_end in _windows(policy, start):
        begin = max(start, window_start)
        if begin >= window_end:
            continue
        if remaining <= window_end - begin:
            return begin + remaining
        remaining -= window_end - begin
    raise AssertionError("unreachable: the windows never end")


def _paused_time(policy: Policy, created_at: datetime, pauses: Iterable[Pause], until: datetime | None) -> timedelta:
    """Counting time spent paused after ``created_at``; overlapping pauses count once. ``until`` clips them
    (and ends a pause still going on); without it every pause must have ended."""
    spans: list[tuple[datetime, datetime]] = []
    for begin, finish in pauses:
        end = finish if finish is not None else until
        if end is None:
            raise ValueError("a pause still going on has no due time yet; pass its end or now")
        stop = _aware(end)
        if until is not None:
            stop = min(stop, _aware(until))
        spans.append((max(_aware(begin), _aware(created_at)), stop))
    total = timedelta(0)
    reached: datetime | None = None
    for begin, stop in sorted(spans):
        if reached is not None:
            begin = max(begin, reached)
        if stop > begin:
            total += business_time(policy, begin, stop)
            reached = stop
    return total


@dataclass(frozen=True)
class DueTimes:
    first_response_due_at: datetime
    resolution_due_at: datetime


def due_at(
    policy: Policy,
    which: Literal["first_response", "resolution"],
    created_at: datetime,
    pauses: Iterable[Pause] = (),
    now: datetime | None = None,
) -> datetime:
    """created_at + the target in counting time + the counting time spent paused. A pause still going on
    needs ``now``, where it is taken to end (a priority change while waiting); the server computes the due
    times again when the ticket leaves the paused status."""
    if now is not None:
        pauses = [(begin, end if end is not None else now) for begin, end in pauses]
    paused = _paused_time(policy, created_at, pauses, None)
    return add_business_time(policy, created_at, policy.target(which) + paused)


def due_times(
    policy: Policy, created_at: datetime, pauses: Iterable[Pause] = (), now: datetime | None = None
) -> DueTimes:
    """Both due times of a ticket, by the policy of its current priority (recompute on a priority change)."""
    pauses = list(pauses)
    return DueTimes(
        due_at(policy, "first_response", created_at, pauses, now),
        due_at(policy, "resolution", created_at, pauses, now),
    )


def elapsed(policy: Policy, created_at: datetime, pauses: Iterable[Pause], at: datetime) -> timedelta:
    """Counting time from ``created_at`` to ``at``, less the time paused before ``at``."""
    return business_time(policy, created_at, at) - _paused_time(policy, created_at, pauses, at)


def elapsed_given(
    policy: Policy, created_at: datetime, pauses: Iterable[Pause], at: datetime, counted: timedelta
) -> timedelta:
    """`elapsed`, given ``counted`` = business_time(policy, created_at, at) already (one calendar walk less)."""
    return counted - _paused_time(policy, created_at, pauses, at)


def elapsed_fraction(
    policy: Policy,
    which: Literal["first_response", "resolution"],
    created_at: datetime,
    pauses: Iterable[Pause],
    at: datetime,
) -> float:
    """The share of a target's time used at ``at``: 0 at creation, 1 at the due time, above 1 once late."""
    return elapsed(policy, created_at, pauses, at) / policy.target(which)


def remaining(
    policy: Policy,
    which: Literal["first_response", "resolution"],
    created_at: datetime,
    pauses: Iterable[Pause],
    at: datetime,
) -> timedelta:
    """Counting time left at ``at`` (negative once breached): the app's countdown."""
    return policy.target(which) - elapsed(policy, created_at, pauses, at)


def state(fraction: float) -> State:
    """``breached`` past the target, ``warning`` from 75% (amber), else ``ok``. Met exactly at 1.0 is on time."""
    if fraction > 1:
        return "breached"
    return "warning" if fraction >= WARNING_FRACTION else "ok"


def breached(
    policy: Policy,
    which: Literal["first_response", "resolution"],
    created_at: datetime,
    pauses: Iterable[Pause],
    met_at: datetime | None,
    now: datetime,
) -> bool:
    """Whether the target was missed: met after its time, or still unmet with its time gone by ``now``."""
    return elapsed_fraction(policy, which, created_at, pauses, met_at if met_at is not None else now) > 1
