"""The Gantt chart's plan rules: the critical path through `blocks` links and what dragging a bar
does to a task's dates (a new link's cycle check is the store's, `AppStore.would_cycle`).

The critical path is the chain of `blocks` links whose tasks' working days plus the links' lags
(working days too) add up to the most: the chain that sets the plan's end. Tasks in a cycle
(which the server refuses, but two offline edits could make) take no part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from app.state.fmt import parse_time

Edge = Literal["start", "end"]


class Link(NamedTuple):  # a tuple: a chart reads one per link (thousands), each made faster than a dataclass
    from_id: str
    to_id: str
    kind: str = "blocks"
    lag_days: int = 0

    @staticmethod
    def of(row: Mapping[str, Any]) -> Link:
        return Link(row["from_id"], row["to_id"], row.get("kind") or "blocks", int(row.get("lag_days") or 0))


def _topological(edges: list[Link]) -> list[str]:
    """Kahn's order of the links' tasks; those on a cycle are left out. Any order with each task
    after those blocking it gives the same critical path (`critical_path` breaks ties by id)."""
    incoming: dict[str, int] = {}
    out: dict[str, list[str]] = {}
    for e in edges:
        incoming[e.to_id] = incoming.get(e.to_id, 0) + 1
        incoming.setdefault(e.from_id, 0)
        out.setdefault(e.from_id, []).append(e.to_id)
    ready = [n for n, k in incoming.items() if k == 0]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for nxt in out.get(node, ()):
            incoming[nxt] -= 1
            if incoming[nxt] == 0:
                ready.append(nxt)
    return order


def critical_path(durations: Mapping[str, int], links: Iterable[Link]) -> tuple[set[str], set[tuple[str, str]]]:
    """The tasks and links of the longest chain (durations and lags in working days) through the
    `blocks` links between tasks of `durations`; nothing when no such link exists. Only the links'
    tasks are walked: a task without one is no chain."""
    edges = [lk for lk in links if lk.kind == "blocks" and lk.from_id in durations and lk.to_id in durations]
    if not edges:
        return set(), set()
    into: dict[str, list[Link]] = {}
    for e in edges:
        into.setdefault(e.to_id, []).append(e)
    best: dict[str, int] = {}
    came: dict[str, Link | None] = {}
    for node in _topological(edges):
        length, via = durations[node], None
        entering = into.get(node, ())
        for e in sorted(entering, key=lambda e: e.from_id) if len(entering) > 1 else entering:
            if e.from_id in best and best[e.from_id] + e.lag_days + durations[node] > length:
                length, via = best[e.from_id] + e.lag_days + durations[node], e
        best[node], came[node] = length, via
    end = max((n for n in best if came[n] is not None), key=lambda n: (best[n], n), default=None)
    tasks: set[str] = set()
    path: set[tuple[str, str]] = set()
    while end is not None:
        tasks.add(end)
        step = came[end]
        if step is None:
            break
        path.add((step.from_id, step.to_id))
        end = step.from_id
    return tasks, path


def days_of(dx: float, day_px: float) -> int:
    """A drag of `dx` pixels, in whole days (to the nearest)."""
    return round(dx / day_px) if day_px > 0 else 0


def _shift(value: str | datetime | None, days: int) -> datetime | None:
    moment = value if isinstance(value, datetime) else parse_time(value)
    return moment + timedelta(days=days) if moment is not None else None


def moved(task: Mapping[str, Any], days: int) -> dict[str, datetime]:
    """A bar moved by `days`: its start and due both shift (a date it lacks stays unset)."""
    if not days:
        return {}
    fields = {name: _shift(task.get(name), days) for name in ("start_at", "due_at")}
    return {name: value for name, value in fields.items() if value is not None}


def resized(task: Mapping[str, Any], edge: Edge, days: int) -> dict[str, datetime]:
    """One end of a bar dragged by `days`: the start never passes the due date, nor the due date
    the start (a bar is at least its one day)."""
    start, due = _shift(task.get("start_at"), 0), _shift(task.get("due_at"), 0)
    if not days or start is None or due is None:
        return {}
    if edge == "start":
        new = min(start + timedelta(days=days), due)
        return {"start_at": new} if new != start else {}
    new = max(due + timedelta(days=days), start)
    return {"due_at": new} if new != due else {}
