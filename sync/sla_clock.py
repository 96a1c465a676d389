"""A ticket's SLA clock (PROTOCOL-2.md, "Due times"): pure, shared by the server's scheduler and the app.

For each target (first response, resolution) it gives the due time and the 75% instant (the server
stores both; its scheduler sends `sla_warning` once `warn_at <= now` and `sla_breached` once
`due_at < now`), the share of the target's counting time used, the counting time left, and the
state the app colours: ``ok``, ``warning`` (amber, from the 75% instant), ``breached`` (red: unmet
past its due time, or met after it) or ``met`` (on time). The states are read off the instants, as
the scheduler does, so a target due at 18:00 is breached at 20:00 even though no business minute has
passed since. The arithmetic is `sync.sla`'s.

A ticket is paused while its status `pauses_sla` or is in the `done` category; `pauses_from_moves`
rebuilds its pauses from its status history (the app's cache has `task_event` rows, not the server's
stored pauses), so countdowns run offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sync import sla

Which = Literal["first_response", "resolution"]
TargetState = Literal["ok", "warning", "breached", "met"]
TARGETS: tuple[Which, ...] = ("first_response", "resolution")


def due_and_warn(
    policy: sla.Policy, which: Which, created_at: datetime, pauses: Iterable[sla.Pause], now: datetime
) -> tuple[datetime, datetime]:
    """A target's due time and the instant it reaches 75% of its time: created_at plus the target (or 75%
    of it) in counting time, plus the counting time spent paused up to ``now`` (a pause still going on
    is taken to end at ``now``)."""
    due, warn, _used = _measure(policy, which, created_at, pauses, now)
    return due, warn


def _measure(
    policy: sla.Policy, which: Which, created_at: datetime, pauses: Iterable[sla.Pause], now: datetime
) -> tuple[datetime, datetime, timedelta]:
    """(due, 75% instant, counting time used at ``now``), walking the calendar from created_at to now once
    for the time counted and once for the pauses."""
    at = max(now, created_at)
    closed = [(begin, end if end is not None else at) for begin, end in pauses]
    counted = sla.business_time(policy, created_at, at)
    used = sla.elapsed_given(policy, created_at, closed, at, counted)
    paused = counted - used
    target = policy.target(which)
    due = sla.add_business_time(policy, created_at, target + paused)
    warn = sla.add_business_time(policy, created_at, target * sla.WARNING_FRACTION + paused)
    return due, warn, used


@dataclass(frozen=True)
class Target:
    which: Which
    due_at: datetime
    warn_at: datetime
    fraction: float  # counting time used / the target, at `now` (or when met): 1.0 at the due time
    remaining: timedelta  # counting time left (negative once late): the countdown
    met_at: datetime | None
    state: TargetState


@dataclass(frozen=True)
class Clock:
    first_response: Target
    resolution: Target
    paused: bool  # the clock stands still now (a pausing status, or done)

    @property
    def targets(self) -> tuple[Target, Target]:
        return (self.first_response, self.resolution)

    @property
    def breached(self) -> bool:
        return any(t.state == "breached" for t in self.targets)

    @property
    def warning(self) -> bool:
        """About to breach: a target unmet past its 75% instant, none breached, the clock running."""
        return not self.paused and not self.breached and any(t.state == "warning" for t in self.targets)

    @property
    def next(self) -> Target | None:
        """The unmet target due first (the countdown a queue shows), or None when both are met."""
        unmet = [t for t in self.targets if t.met_at is None]
        return min(unmet, key=lambda t: t.due_at) if unmet else None


def target(
    policy: sla.Policy,
    which: Which,
    created_at: datetime,
    pauses: Iterable[sla.Pause],
    met_at: datetime | None,
    now: datetime,
) -> Target:
    """One target of a ticket at ``now`` (a met target: as it stood when met)."""
    at = met_at if met_at is not None else now
    pauses = [(b, e) for b, e in pauses if b < at]
    due, warn, used = _measure(policy, which, created_at, pauses, at)
    fraction, left = used / policy.target(which), policy.target(which) - used
    state: TargetState
    if met_at is not None:
        state = "met" if met_at <= due else "breached"
    else:
        state = "breached" if now > due else "warning" if now >= warn else "ok"
    return Target(which, due, warn, fraction, left, met_at, state)


def clock(
    policy: sla.Policy,
    created_at: datetime,
    pauses: Iterable[sla.Pause],
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
) -> Clock:
    pauses = list(pauses)
    return Clock(
        target(policy, "first_response", created_at, pauses, first_response_at, now),
        target(policy, "resolution", created_at, pauses, resolved_at, now),
        bool(pauses) and pauses[-1][1] is None,
    )


def pauses_from_moves(
    created_at: datetime, first_status: str, moves: Iterable[tuple[datetime, str]], pausing: Callable[[str], bool]
) -> list[sla.Pause]:
    """The pauses of a ticket created in ``first_status`` and moved to each status of ``moves`` (instant,
    new status; in time order), where ``pausing(status)`` says whether a status pauses the clock."""
    out: list[sla.Pause] = []
    if pausing(first_status):
        out.append((created_at, None))
    for at, status in moves:
        if pausing(status) and (not out or out[-1][1] is not None):
            out.append((at, None))
        elif not pausing(status) and out and out[-1][1] is None:
            out[-1] = (out[-1][0], at)
    return out
