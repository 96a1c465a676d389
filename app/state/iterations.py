"""The iterations screen's rules: which iteration is shown, where an open one's work may roll over
to, and the burndown and velocity as chart series (by task count or by estimate). The numbers come
from `sync.planning` (docs/metrics.md, "Burndown" and "Velocity"); nothing here computes a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sync.planning import Burndown, Velocity
from sync.planning.burndown import State

MODES = ("count", "estimate")
PHONE_ROW_HEIGHT = 52
SIDEWAYS_SHARE = 0.3  # of the screen's width (as on the board, app.state.drag)


def crosses(from_backlog: bool, dx: float, dy: float, *, width: float, row_height: int = PHONE_ROW_HEIGHT) -> bool:
    """Whether a phone's long-press drag of a task moves it to the other list. The iteration's list
    is drawn above the backlog, so a backlog task goes up and an iteration's task goes down, by more
    than two rows; or sideways past a share of the screen's width, as a card leaves its board column."""
    if width > 0 and abs(dx) > width * SIDEWAYS_SHARE:
        return True
    toward = -dy if from_backlog else dy
    return toward > 2 * row_height


def chosen(iterations: Sequence[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    """The iteration shown: the one asked for if it is there, else the first of `iterations` in the
    store's order (the active one, else the next planned one, else the last closed one)."""
    for row in iterations:
        if row["id"] == wanted:
            return row
    return iterations[0] if iterations else None


def rollover_targets(iterations: Sequence[dict[str, Any]], closing: str) -> list[dict[str, Any]]:
    """Where the open work of `closing` may go when it closes: any other iteration not closed (or
    the backlog, which the screen offers as well)."""
    return [row for row in iterations if row["id"] != closing and row["state"] != "closed"]


@dataclass(frozen=True)
class Series:
    """A burndown as chart series, one value per day of `days`; None where the day has not begun."""

    days: list[date]
    remaining: list[float | None]
    ideal: list[float]
    added: list[float | None]
    scope: list[float | None]
    top: float  # the y axis' top
    base: tuple[float, float, float]  # (remaining, scope, added) at the baseline

    @property
    def now(self) -> tuple[float, float, float]:
        """(remaining, scope, added) at the latest day begun (the baseline's when none has)."""
        for i in range(len(self.days) - 1, -1, -1):
            if self.remaining[i] is not None:
                return self.remaining[i] or 0, self.scope[i] or 0, self.added[i] or 0
        return self.base


def _pick(state: State | None, mode: str) -> tuple[float, float, float] | None:
    if state is None:
        return None
    if mode == "estimate":
        return state.remaining_estimate, state.added_estimate, state.scope_estimate
    return float(state.remaining_count), float(state.added_count), float(state.scope_count)


def series(burndown: Burndown, mode: str) -> Series:
    """The burndown's lines: remaining work, the ideal line and the scope added after the start."""
    days, remaining, ideal, added, scope = [], [], [], [], []
    for point in burndown.points:
        days.append(point.day)
        ideal.append(point.ideal_estimate if mode == "estimate" else point.ideal_count)
        values = _pick(point.state, mode)
        remaining.append(values[0] if values else None)
        added.append(values[1] if values else None)
        scope.append(values[2] if values else None)
    seen = [v for v in remaining + added + scope + ideal if v is not None]
    base = _pick(burndown.baseline, mode) or (0.0, 0.0, 0.0)
    return Series(days, remaining, ideal, added, scope, max([1.0, *seen]), (base[0], base[2], base[1]))


@dataclass(frozen=True)
class Sprint:
    name: str
    committed: float
    completed: float


def velocity_bars(found: Velocity, mode: str) -> tuple[list[Sprint], float]:
    """Committed and completed work per closed iteration (oldest first), and the average completed."""
    estimate = mode == "estimate"
    bars = [
        Sprint(
            s.name,
            s.committed_estimate if estimate else s.committed_count,
            s.completed_estimate if estimate else s.completed_count,
        )
        for s in found.sprints
    ]
    return bars, found.average_estimate if estimate else found.average_count


@dataclass(frozen=True)
class Draft:
    """What the "new iteration" form starts with: the next number, and two weeks from the day after
    the last open iteration ends (or from today)."""

    number: int
    start_on: date
    end_on: date


def draft(iterations: Sequence[dict[str, Any]], today: date, days: int = 14) -> Draft:
    ends = [date.fromisoformat(str(r["end_on"])) for r in iterations if r["state"] != "closed"]
    start = max([today, *(e + timedelta(days=1) for e in ends)])
    return Draft(len(iterations) + 1, start, start + timedelta(days=days - 1))


def parse_day(value: str) -> date | None:
    """A date typed as YYYY-MM-DD (the form's fields), or None."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
