"""A ticket's SLA countdown as the desk draws it, from the store's clock (`sync.sla_clock`, worked
out on the device from the cache, so it ticks offline): the target that runs next, the counting
time left (negative once breached), and a state that picks the colour: amber from 75% of the
target's time, red once breached, grey while the ticket waits for its requester.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from app.i18n import t
from sync.sla_clock import Clock, Target, Which

TICK_S = 30  # the queue and the detail redraw their countdowns this often (they show minutes)

State = Literal["ok", "warning", "breached", "paused", "met"]


@dataclass(frozen=True)
class Countdown:
    """One target's countdown: `left` is None once both targets are met."""

    which: Which | None
    state: State
    left: timedelta | None = None

    @property
    def label(self) -> str:
        """ "2h 05m", "-35m" once breached, "暂停 · 2h 05m" while waiting, "已达成" once met."""
        if self.left is None:
            return t("desk.sla.breached") if self.state == "breached" else t("desk.sla.met")
        text = duration(self.left)
        return t("desk.sla.paused_left", left=text) if self.state == "paused" else text

    @property
    def sort_key(self) -> float:
        """Seconds left, for sorting: a paused or met countdown goes last."""
        if self.left is None or self.state == "paused":
            return float("inf")
        return self.left.total_seconds()


def countdown(clock: Clock) -> Countdown:
    """The countdown a queue shows: the unmet target due first. A breached ticket stays red in a pause."""
    target = clock.next
    if target is None:
        return Countdown(None, "met")
    if target.state == "breached":
        return Countdown(target.which, "breached", target.remaining)
    if clock.paused:
        return Countdown(target.which, "paused", target.remaining)
    return Countdown(target.which, "warning" if target.state == "warning" else "ok", target.remaining)


def target_countdown(target: Target, paused: bool) -> Countdown:
    """One target of the ticket detail's SLA timers: met (on time), breached (late or met late), or running."""
    if target.state == "met":
        return Countdown(target.which, "met")
    if target.state == "breached":
        return Countdown(target.which, "breached", None if target.met_at else target.remaining)
    state: State = "paused" if paused else "warning" if target.state == "warning" else "ok"
    return Countdown(target.which, state, target.remaining)


def duration(left: timedelta) -> str:
    """A compact countdown to the minute (the desk ticks every TICK_S): "3d 4h", "2h 05m", "12m";
    breached ones get a minus sign."""
    seconds = int(left.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"
