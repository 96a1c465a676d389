"""Shared pieces of the planning figures: instants that bound local days, the status categories,
a task field's value at an instant rebuilt from `task_event`, and a task's completions.

Instants in the cache are text in the server's spelling (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC), so
they compare as text; the bounds made here use the same spelling (`sync.ids.format_time`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sync.ids import format_time
from sync.workdays import Calendar, chosen

DEFAULT_ZONE = "Asia/Shanghai"
_TICK = timedelta(microseconds=1)

# Status ids by category. A status that no longer exists has no category: neither done nor doing.
DONE_IDS = "(SELECT id FROM status WHERE category = 'done')"
DOING_IDS = "(SELECT id FROM status WHERE category = 'doing')"


def project_calendar(conn: Any, project_id: str, given: Calendar | None = None) -> Calendar:
    """The working-day calendar a project's figures count on: `given`, else the project's own."""
    if given is not None:
        return given
    row = conn.execute("SELECT calendar FROM project WHERE id = ?", (project_id,)).fetchone()
    return chosen(row[0] if row else None)


def enters_done(h: str) -> str:
    """SQL condition: event `h` moves its task from a status outside `done` into one in `done`."""
    return f"{h}.field = 'status_id' AND {h}.new IN {DONE_IDS} AND ({h}.old IS NULL OR {h}.old NOT IN {DONE_IDS})"


def leaves_done(h: str) -> str:
    """SQL condition: event `h` moves its task out of the `done` category (a reopen)."""
    return f"{h}.field = 'status_id' AND {h}.old IN {DONE_IDS} AND ({h}.new IS NULL OR {h}.new NOT IN {DONE_IDS})"


def value_at(field: str, task: str, at: str, current: str) -> str:
    """SQL expression: task `task`'s `field` at instant `at`, after every event at or before it.

    That is the `new` of its last `field` event at or before `at`; with none, the `old` of its first
    one after (the value it was created with); with no event at all, `current` (the row's value,
    NULL for a deleted task). Values travel wrapped in a JSON array, so a NULL value is told apart
    from "no such event".
    """
    events = f"FROM task_event hv WHERE hv.task_id = {task} AND hv.field = '{field}' AND hv.at"
    return (
        "json_extract(coalesce("
        f"(SELECT json_array(hv.new) {events} <= {at} ORDER BY hv.at DESC, hv.id DESC LIMIT 1), "
        f"(SELECT json_array(hv.old) {events} > {at} ORDER BY hv.at, hv.id LIMIT 1), "
        f"json_array({current})), '$[0]')"
    )


def first_doing(task: str, until: str) -> str:
    """SQL expression: when task `task` first entered a `doing` status, at or before `until`."""
    return (
        f"(SELECT min(hd.at) FROM task_event hd WHERE hd.task_id = {task} AND hd.field = 'status_id' "
        f"AND hd.at <= {until} AND hd.new IN {DOING_IDS})"
    )


def days_between(start: str, end: str) -> str:
    """SQL expression: days from instant `start` to instant `end`, counted in whole seconds."""
    return f"((CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER)) / 86400.0)"


def completions_sql(scope: str) -> str:
    """A CTE body `(task_id, done_at)`: each live task other than a milestone that entered `done`
    within `[?, ?]` (two instants), with its last such entry. `scope` is an extra SQL condition on the
    task `t` and its events `h` (its `?` parameters come after the two instants)."""
    return (
        "SELECT h.task_id AS task_id, max(h.at) AS done_at FROM task_event h JOIN task t ON t.id = h.task_id "
        f"WHERE h.at >= ? AND h.at <= ? AND {enters_done('h')} AND t.type != 'milestone' AND {scope} "
        "GROUP BY h.task_id"
    )


def percentile_sql(values: str, percents: tuple[int, ...]) -> str:
    """SQL: the nearest-rank percentiles of column `v` of `values` (one row per percent: p, v).

    The p-th percentile of n sorted values is the one at rank ceil(p * n / 100)."""
    wanted = " OR ".join(f"(rn = (n * {p} + 99) / 100 AND p = {p})" for p in percents)
    ps = " UNION ALL ".join(f"SELECT {p} AS p" for p in percents)
    return (
        f"SELECT p, v FROM (SELECT v, row_number() OVER (ORDER BY v) AS rn, count(*) OVER () AS n FROM ({values})), "
        f"({ps}) WHERE {wanted}"
    )


@dataclass(frozen=True)
class Clock:
    """`now` and the zone that decides which local day an instant falls on."""

    now: datetime
    zone: ZoneInfo

    @staticmethod
    def of(now: datetime | None = None, zone: str = DEFAULT_ZONE) -> Clock:
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return Clock(moment, ZoneInfo(zone))

    @property
    def now_text(self) -> str:
        return format_time(self.now) or ""

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def day_start(self, day: date) -> str:
        """The instant local day `day` starts (midnight in the zone)."""
        return format_time(datetime.combine(day, time(0), tzinfo=self.zone)) or ""

    def day_end(self, day: date) -> str:
        """The last instant (microsecond) of local day `day`."""
        start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return format_time(start - _TICK) or ""

    def local_day(self, instant: str) -> date:
        value = datetime.fromisoformat(instant.replace("Z", "+00:00"))
        return value.astimezone(self.zone).date()


def just_before(instant: str) -> str:
    """The instant one microsecond before `instant` (state just before a commit)."""
    value = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return format_time(value - _TICK) or ""


def split_ids(joined: str | None) -> tuple[str, ...]:
    """The ids of a `group_concat`, sorted."""
    return tuple(sorted(joined.split(","))) if joined else ()


def in_list(values: list[str] | tuple[str, ...] | None, column: str) -> tuple[str, list[Any]]:
    """SQL condition `column IN (?, ...)` and its parameters; always true for None."""
    if values is None:
        return "1", []
    return f"{column} IN ({', '.join('?' for _ in values) or 'NULL'})", list(values)
