"""The table (list) view of a project: its columns, sort and grouping, the board's filters, and
the lines it draws.

`TableView` is what a person chose (remembered per project on the device, `app.state.view_prefs`).
`TableModel` reads the project's tasks through the board's filters, sorts and groups them, and
returns them as `Line`s: a group's header or a task. The screen draws a `Window` of those lines (the
board's windowing: 10,000 tasks open as fast as 10), and the export writes all of them
(`TableModel.sheet`, the same columns, order and groups as shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from app.state.board import PRIORITIES, BoardFilters
from sync.export import COLUMNS, DEFAULT_COLUMNS, ENGLISH_HEADERS, Names, Sheet, cell, sheet
from sync.store import Store

GROUPS = ("none", "status", "assignee", "iteration", "label")
SORTS = ("board", *COLUMNS)
LINE_HEIGHT = 40  # pixels of one line (task or group header): the window's spacers are computed from it
TABLE_LIMIT = 100_000  # tasks read at most (a project of 100,000 tasks still opens; see FLET-NOTES)

Row = Mapping[str, Any]


@dataclass(frozen=True)
class TableView:
    """The chosen columns (in COLUMNS order), sort ("board": the board's order) and grouping."""

    columns: tuple[str, ...] = DEFAULT_COLUMNS
    sort: str = "board"
    descending: bool = False
    group: str = "none"

    @staticmethod
    def of(saved: Mapping[str, Any]) -> TableView:
        """Saved settings, each checked: an unknown column, sort or group falls back to the default."""
        columns = tuple(c for c in COLUMNS if c in (saved.get("columns") or ()))
        sort = saved.get("sort")
        group = saved.get("group")
        return TableView(
            columns=columns or DEFAULT_COLUMNS,
            sort=sort if sort in SORTS else "board",
            descending=bool(saved.get("descending")),
            group=group if group in GROUPS else "none",
        )

    def saved(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "sort": self.sort, "descending": self.descending, "group": self.group}

    def sorted_by(self, column: str) -> TableView:
        """A click on a header: sort by it, or reverse the direction when it already sorts."""
        if column == self.sort:
            return replace(self, descending=not self.descending)
        return replace(self, sort=column, descending=False)

    def showing(self, column: str, shown: bool) -> TableView:
        """The column chooser: at least the title stays (a table of nothing helps nobody)."""
        wanted = set(self.columns) | {column} if shown else set(self.columns) - {column}
        columns = tuple(c for c in COLUMNS if c in wanted) or ("title",)
        sort = self.sort if self.sort in columns or self.sort == "board" else "board"
        return replace(self, columns=columns, sort=sort, descending=self.descending and sort != "board")


@dataclass(frozen=True)
class Line:
    """One line of the table: a group's header (`group` and `count`) or a task (`task`)."""

    task: Row | None = None
    group: str | None = None
    count: int = 0

    @property
    def key(self) -> str:
        return str(self.task["id"]) if self.task is not None else f"group:{self.group}"


def sort_tasks(rows: list[Row], view: TableView, names: Names, status_order: Mapping[str, int]) -> list[Row]:
    """Rows in the view's order; empty values (no assignee, no due date) go last either way, and
    ties keep the board's order (the sort is stable)."""
    if view.sort == "board":
        return list(rows)
    rank = {p: i for i, p in enumerate(PRIORITIES)}

    def key(row: Row) -> Any:
        if view.sort == "key":
            return row.get("number")  # a task created offline has none yet
        if view.sort == "status":
            return status_order.get(row.get("status_id") or "", len(status_order))
        if view.sort == "priority":
            return rank.get(row.get("priority") or "none", len(rank))
        value = cell(row, view.sort, names)
        if isinstance(value, str):
            return value.casefold() or None
        return value

    present = [r for r in rows if key(r) is not None]
    empty = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=view.descending) + empty


def group_tasks(
    rows: list[Row], group: str, names: Names, status_ids: list[str], none_label: str
) -> list[tuple[str | None, list[Row]]]:
    """(group name, its rows in order) in the groups' order; one (None, rows) when ungrouped. The
    groups with no value ("unassigned", "no iteration", "no label") come last, named `none_label`.
    A task with several labels is in each of their groups."""
    if group == "none":
        return [(None, rows)]
    buckets: dict[str, list[Row]] = {}
    empty: list[Row] = []

    def values(row: Row) -> list[str]:
        if group == "label":
            return list(row.get("labels") or ())
        field_name = {"status": "status_id", "assignee": "assignee_id", "iteration": "iteration_id"}[group]
        value = row.get(field_name)
        return [value] if value else []

    for row in rows:
        keys = values(row)
        for value in keys:
            buckets.setdefault(value, []).append(row)
        if not keys:
            empty.append(row)
    if group == "status":
        order = [s for s in status_ids if s in buckets]
        title = names.statuses
    elif group == "label":
        order = sorted(buckets, key=str.casefold)
        title = {}
    elif group == "iteration":  # the store's order: active, then planned by start, then closed
        title = names.iterations
        order = [i for i in title if i in buckets] + sorted(v for v in buckets if v not in title)
    else:
        title = names.people
        order = sorted(buckets, key=lambda v: (title.get(v) or v).casefold())
    out: list[tuple[str | None, list[Row]]] = [(title.get(v) or v, buckets[v]) for v in order]
    if empty:
        out.append((none_label, empty))
    return out


def lines_of(groups: list[tuple[str | None, list[Row]]]) -> list[Line]:
    lines: list[Line] = []
    for name, rows in groups:
        if name is not None:
            lines.append(Line(group=name, count=len(rows)))
        lines += [Line(task=r) for r in rows]
    return lines


@dataclass
class TableModel:
    """One project's table, for the given filters and view."""

    store: Store
    project_id: str
    filters: BoardFilters = field(default_factory=BoardFilters)
    view: TableView = field(default_factory=TableView)
    names: Names = field(default_factory=Names)
    none_label: str = "-"
    now: datetime | None = None
    zone: tzinfo | None = None
    limit: int = TABLE_LIMIT

    def rows(self) -> list[Row]:
        """Every task passing the filters, in board order (status by status, each by position)."""
        task_filter = self.filters.task_filter(self.now or datetime.now().astimezone(), self.zone)
        rows: list[Row] = []
        for status in self.store.statuses(self.project_id):
            if len(rows) >= self.limit:
                break
            rows += self.store.column_slice(self.project_id, status["id"], task_filter, limit=self.limit - len(rows))
        return rows

    def groups(self) -> list[tuple[str | None, list[Row]]]:
        statuses = [s["id"] for s in self.store.statuses(self.project_id)]
        ordered = sort_tasks(self.rows(), self.view, self.names, {s: i for i, s in enumerate(statuses)})
        return group_tasks(ordered, self.view.group, self.names, statuses, self.none_label)

    def lines(self) -> list[Line]:
        return lines_of(self.groups())

    def sheet(self, headers: Mapping[str, str] = ENGLISH_HEADERS) -> Sheet:
        """What is shown, as the export writes it."""
        return sheet(self.view.columns, self.groups(), self.names, headers, self.zone)
