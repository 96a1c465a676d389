"""A ticket's SLA countdown, as the desk draws it: which target is running, the business time left
(negative once breached), the share used, and whether it is paused or met.

The server's due times already hold the time the ticket spent paused (docs/protocol.md, "Due
times"), so the countdown is the policy's counting time between now and the due time, worked out by
`sync.sla` on the device: it ticks offline. A ticket created offline has no due times yet; they are
computed from its `created_at` by the same module until the server's arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from app.i18n import t
from app.state.fmt import parse_time
from sync import sla

Which = Literal["first_response", "resolution"]
ClockState = Literal["ok", "warning", "breached", "paused", "met", "none"]

POLICY_FIELDS = (
    "first_response_minutes",
    "resolution_minutes",
    "calendar",
    "business_start",
    "business_end",
    "time_zone",
    "holidays",
    "auto_close_days",
)


@dataclass(frozen=True)
class Clock:
    """One target's countdown. `left` is None when nothing runs (met, or no due time)."""

    which: Which
    state: ClockState
    left: timedelta | None = None
    fraction: float = 0.0
    due_at: datetime | None = None

    @property
    def label(self) -> str:
        """"2h 05m", "-35m" once breached, "暂停" while paused, "已达成" once met."""
        if self.state == "met":
            return t("desk.sla.met")
        if self.left is None:
            return "—"
        text = duration(self.left)
        return t("desk.sla.paused_left", left=text) if self.state == "paused" else text

    @property
    def sort_key(self) -> float:
        """Seconds left, for sorting: nothing running goes last."""
        if self.left is None or self.state in ("met", "paused"):
            return float("inf")
        return self.left.total_seconds()


def duration(left: timedelta) -> str:
    """A compact countdown: "3d 4h", "2h 05m", "12m 30s"; breached ones get a minus sign."""
    seconds = int(left.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m {secs:02d}s"


def policy_of(row: dict[str, Any] | None, priority: str) -> sla.Policy:
    """The `sla_policy` row as a Policy; the protocol's default for the priority when the desk has none."""
    if row is None:
        return sla.DEFAULT_POLICIES.get(priority, sla.DEFAULT_POLICIES["none"])  # type: ignore[call-overload]
    return sla.Policy(**{k: row[k] for k in POLICY_FIELDS if row.get(k) is not None})


def clock(
    ticket: dict[str, Any],
    task: dict[str, Any],
    policy: sla.Policy,
    which: Which,
    *,
    paused: bool,
    done: bool,
    now: datetime,
) -> Clock:
    """The countdown of one target of a ticket at `now`."""
    met_at = parse_time(ticket.get("first_response_at" if which == "first_response" else "resolved_at"))
    due = parse_time(ticket.get(f"{which}_due_at"))
    created = parse_time(task.get("created_at"))
    if due is None and created is not None:
        due = sla.due_at(policy, which, created)
    if due is None:
        return Clock(which, "none")
    if met_at is not None or (which == "resolution" and done):
        return Clock(which, "met", due_at=due)
    if now <= due:
        left = sla.business_time(policy, now, due)
    else:
        left = -sla.business_time(policy, due, now)
    target = policy.target(which)
    fraction = 1 - left / target
    state: ClockState = "paused" if paused else sla.state(fraction)
    return Clock(which, state, left, fraction, due)


def running(
    ticket: dict[str, Any], task: dict[str, Any], policy: sla.Policy, *, paused: bool, done: bool, now: datetime
) -> Clock:
    """The target the queue shows: the first response until it is met, then the resolution."""
    first = clock(ticket, task, policy, "first_response", paused=paused, done=done, now=now)
    if first.state not in ("met", "none") and not done:
        return first
    return clock(ticket, task, policy, "resolution", paused=paused, done=done, now=now)
