"""The phone's vertical timeline, as plain data: the Gantt's tasks grouped by the week of their
date (a bar by its due date, a point or a milestone by its one date), each week under a header
that names its Monday, and the tasks without dates last. Rows have one height, so the list is
windowed like the board's columns (`app.state.board.Window`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.state.board import Window
from app.state.gantt import Item

ROW_HEIGHT = 60  # pixels per row of the phone's list, a week's header included
ROW_MARGIN = 8


@dataclass(frozen=True)
class Week:
    """A week's header: its Monday, and whether today falls in it."""

    monday: date
    current: bool


@dataclass(frozen=True)
class Undated:
    """The header of the tasks without dates."""


Entry = Week | Undated | Item


def timeline(items: list[Item], today: date) -> list[Entry]:
    """Headers and tasks, top to bottom: weeks in order, each task under the week of its date."""
    dated = sorted(
        (it for it in items if it.end is not None),
        key=lambda it: (it.end, it.kind != "milestone", it.key or "~", it.id),
    )
    undated = sorted(
        (it for it in items if it.end is None), key=lambda it: (it.key is None, len(it.key or ""), it.key or "", it.id)
    )
    this_week = today - timedelta(days=today.weekday())
    out: list[Entry] = []
    monday: date | None = None
    for it in dated:
        assert it.end is not None
        week = it.end - timedelta(days=it.end.weekday())
        if week != monday:
            monday = week
            out.append(Week(week, week == this_week))
        out.append(it)
    if undated:
        out.append(Undated())
        out += undated
    return out


def first_current(entries: list[Entry], today: date) -> int:
    """The row to open at: this week's header, or the first week after today (else the top)."""
    for i, entry in enumerate(entries):
        if isinstance(entry, Week) and entry.monday + timedelta(days=6) >= today:
            return i
    return 0


def window_at(pixels: float, viewport: float, total: int) -> Window:
    return Window.at(pixels, viewport, total, margin=ROW_MARGIN, height=ROW_HEIGHT)
