"""An iteration's burndown and the project's velocity, rebuilt from `task_event` (docs/metrics.md,
"Burndown" and "Velocity").

The state of the iteration at an instant is computed in SQL for every task that ever belonged to
it (now, or through an `iteration_id` event): whether it existed, belonged to the iteration, was in
a `done` status, and its estimate, each as of that instant. A closed iteration is read as it was
just before it closed, so the work it rolled over stays visible as its spillover.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sync.planning._history import DONE_IDS, Clock, just_before, project_calendar, split_ids, value_at
from sync.workdays import Calendar, count_working_days, is_working_day


@dataclass(frozen=True)
class State:
    """An iteration at one instant: its scope (tasks in it), what of it is not done, and what of the
    scope joined after the baseline, by task count and by estimate (a missing estimate counts 0)."""

    scope_count: int = 0
    remaining_count: int = 0
    added_count: int = 0
    scope_estimate: float = 0.0
    remaining_estimate: float = 0.0
    added_estimate: float = 0.0
    added_ids: tuple[str, ...] = ()
    open_ids: tuple[str, ...] = ()
    done_ids: tuple[str, ...] = ()

    @property
    def done_count(self) -> int:
        return self.scope_count - self.remaining_count

    @property
    def done_estimate(self) -> float:
        return self.scope_estimate - self.remaining_estimate


@dataclass(frozen=True)
class BurndownPoint:
    day: date
    ideal_count: float
    ideal_estimate: float
    state: State | None  # None for a day that has not begun


@dataclass(frozen=True)
class Burndown:
    iteration_id: str
    start_on: date
    end_on: date
    closed: bool
    baseline: State  # the committed scope: the iteration at the end of its first day
    points: list[BurndownPoint]

    @property
    def last(self) -> State:
        """The latest state shown: today's, or the state just before the iteration closed."""
        states = [p.state for p in self.points if p.state is not None]
        return states[-1] if states else self.baseline


_STATE_SQL = """
WITH pts(k, at) AS (VALUES {points}),
rel(id) AS (
  SELECT id FROM task WHERE iteration_id = :it
  UNION SELECT task_id FROM task_event WHERE project_id = (SELECT project_id FROM iteration WHERE id = :it)
    AND field = 'iteration_id' AND (old = :it OR new = :it)),
span AS (
  SELECT rel.id AS id, t.iteration_id AS it_now, t.status_id AS st_now, t.estimate AS est_now,
    coalesce((SELECT min(at) FROM task_event WHERE task_id = rel.id AND field = 'created'), t.created_at) AS born,
    (SELECT min(at) FROM task_event WHERE task_id = rel.id AND field = 'deleted') AS died
  FROM rel LEFT JOIN task t ON t.id = rel.id WHERE coalesce(t.type, '') != 'milestone'),
inside AS (
  SELECT pts.k AS k, pts.at AS at, span.* FROM pts JOIN span
  ON span.born <= pts.at AND (span.died IS NULL OR span.died > pts.at)
  WHERE {iteration_at} = :it),
base AS (SELECT id FROM inside WHERE k = 'base'),
rows AS (
  SELECT k, id, coalesce({estimate_at}, 0) AS est, coalesce({status_at} IN {done}, 0) AS done,
    id NOT IN base AS added FROM inside)
SELECT k, count(*), sum(NOT done), sum(added), total(est), total(CASE WHEN done THEN 0 ELSE est END),
  total(CASE WHEN added THEN est ELSE 0 END),
  group_concat(CASE WHEN added THEN id END), group_concat(CASE WHEN done THEN NULL ELSE id END),
  group_concat(CASE WHEN done THEN id END)
FROM rows GROUP BY k
"""


def states(conn: sqlite3.Connection, iteration_id: str, instants: dict[str, str]) -> dict[str, State]:
    """The iteration's state at each named instant; the one named `base` is the baseline that
    "added" is measured against (pass it always)."""
    values = ", ".join(f"(:k{i}, :t{i})" for i in range(len(instants)))
    sql = _STATE_SQL.format(
        points=values,
        iteration_at=value_at("iteration_id", "span.id", "pts.at", "span.it_now"),
        estimate_at=value_at("estimate", "inside.id", "inside.at", "inside.est_now"),
        status_at=value_at("status_id", "inside.id", "inside.at", "inside.st_now"),
        done=DONE_IDS,
    )
    params: dict[str, Any] = {"it": iteration_id}
    for i, (name, at) in enumerate(instants.items()):
        params[f"k{i}"], params[f"t{i}"] = name, at
    out = {name: State() for name in instants}
    for k, scope, remaining, added, est, rem_est, add_est, *ids in conn.execute(sql, params):
        out[k] = State(scope, remaining, added, est, rem_est, add_est, *(split_ids(i) for i in ids))
    return out


def plan_days(start_on: date, end_on: date, calendar: Calendar) -> list[date]:
    """The burndown's days: the first and last day, and every working day between them."""
    days, day = [], start_on
    while day <= end_on:
        if day in (start_on, end_on) or is_working_day(day, calendar):
            days.append(day)
        day += timedelta(days=1)
    return days


def ideal(baseline: float, start_on: date, end_on: date, day: date, calendar: Calendar) -> float:
    """The ideal remaining work on `day`: the baseline falling evenly over the working days from
    `start_on` to `end_on`, to 0 on `end_on`."""
    total = count_working_days(start_on, end_on, calendar)
    if total <= 0:
        return baseline if day < end_on else 0.0
    return baseline * max(0, total - count_working_days(start_on, day, calendar)) / total


def _iteration(conn: sqlite3.Connection, iteration_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT id, start_on, end_on, state, closed_at, project_id FROM iteration WHERE id = ?", (iteration_id,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no iteration {iteration_id}")
    return row


def _cap(clock: Clock, closed_at: str | None) -> str:
    """The latest instant an iteration is read at: now, or just before it closed."""
    return min(clock.now_text, just_before(closed_at)) if closed_at else clock.now_text


def burndown(
    conn: sqlite3.Connection,
    iteration_id: str,
    *,
    calendar: Calendar | None = None,
    now: datetime | None = None,
    zone: str = "Asia/Shanghai",
) -> Burndown:
    """The iteration's burndown: a point for each of its days (`plan_days`), with the ideal line and,
    for the days begun, its state at the end of that day (or now, or just before it closed)."""
    clock = Clock.of(now, zone)
    _, start_text, end_text, state, closed_at, project_id = _iteration(conn, iteration_id)
    calendar = project_calendar(conn, project_id, calendar)
    start_on, end_on = date.fromisoformat(start_text), date.fromisoformat(end_text)
    cap = _cap(clock, closed_at)
    days = plan_days(start_on, end_on, calendar)
    instants = {"base": min(clock.day_end(start_on), cap)}
    instants |= {d.isoformat(): min(clock.day_end(d), cap) for d in days if clock.day_start(d) <= cap}
    found = states(conn, iteration_id, instants)
    base = found["base"]
    points = [
        BurndownPoint(
            d,
            ideal(base.remaining_count, start_on, end_on, d, calendar),
            ideal(base.remaining_estimate, start_on, end_on, d, calendar),
            found.get(d.isoformat()),
        )
        for d in days
    ]
    return Burndown(iteration_id, start_on, end_on, state == "closed", base, points)


@dataclass(frozen=True)
class Sprint:
    """One closed iteration in the velocity chart."""

    iteration_id: str
    name: str
    end_on: date
    committed_count: int  # scope at the baseline
    completed_count: int  # in scope and done just before it closed
    committed_estimate: float
    completed_estimate: float
    completed_ids: tuple[str, ...]


@dataclass(frozen=True)
class Velocity:
    sprints: list[Sprint]  # oldest first

    @property
    def average_count(self) -> float:
        return sum(s.completed_count for s in self.sprints) / len(self.sprints) if self.sprints else 0.0

    @property
    def average_estimate(self) -> float:
        return sum(s.completed_estimate for s in self.sprints) / len(self.sprints) if self.sprints else 0.0


def velocity(
    conn: sqlite3.Connection,
    project_id: str,
    last: int = 5,
    *,
    now: datetime | None = None,
    zone: str = "Asia/Shanghai",
) -> Velocity:
    """Completed work of the project's last `last` closed iterations (by `closed_at`)."""
    clock = Clock.of(now, zone)
    rows = conn.execute(
        "SELECT id, name, start_on, end_on, closed_at FROM iteration WHERE project_id = ? AND state = 'closed' "
        "ORDER BY closed_at DESC, id DESC LIMIT ?",
        (project_id, last),
    ).fetchall()
    sprints = []
    for iteration_id, name, start_text, end_text, closed_at in reversed(rows):
        cap = _cap(clock, closed_at)
        found = states(
            conn, iteration_id, {"base": min(clock.day_end(date.fromisoformat(start_text)), cap), "end": cap}
        )
        base, end = found["base"], found["end"]
        sprints.append(
            Sprint(
                iteration_id,
                name,
                date.fromisoformat(end_text),
                base.scope_count,
                end.done_count,
                base.scope_estimate,
                end.done_estimate,
                end.done_ids,
            )
        )
    return Velocity(sprints)
