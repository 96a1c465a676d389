"""A project's tasks as a table, and that table as a CSV or an Excel file.

The app's table screen (app/state/table.py) and `keel tasks export` share this module, so the file
holds the same columns, in the same words, as the screen shows. A `Sheet` is what is shown: the
column headers, and the rows in their order, each group under its name. The writers take a sheet
and return the file's bytes:

- CSV: UTF-8 with a byte-order mark, so Excel opens Chinese text as Chinese; times as local
  ``YYYY-MM-DD HH:MM``.
- XLSX (XlsxWriter): a bold, frozen header row with a filter; times as Excel date-times in the
  device's zone; estimates as numbers.

A grouped table gets a first column holding each row's group, so the file stays one plain table
that sorts and filters in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.store import Store

COLUMNS: tuple[str, ...] = (
    "key",
    "title",
    "status",
    "assignee",
    "priority",
    "iteration",
    "labels",
    "start",
    "due",
    "estimate",
    "updated",
)
DEFAULT_COLUMNS: tuple[str, ...] = ("key", "title", "status", "assignee", "priority", "iteration", "due")
TIME_COLUMNS = frozenset({"start", "due", "updated"})
FORMATS = ("csv", "xlsx")

# The headers `keel tasks export` writes (the app writes its catalogue's, in the person's language).
ENGLISH_HEADERS: dict[str, str] = {
    "group": "Group",
    "key": "Key",
    "title": "Title",
    "status": "Status",
    "assignee": "Assignee",
    "priority": "Priority",
    "iteration": "Iteration",
    "labels": "Labels",
    "start": "Start",
    "due": "Due",
    "estimate": "Estimate",
    "updated": "Updated",
}

Cell = str | float | datetime | None
_FIELD = {"start": "start_at", "due": "due_at", "updated": "updated_at"}


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Names:
    """What a row's ids read as: statuses, people and iterations by id, priorities by value."""

    statuses: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)
    iterations: Mapping[str, str] = field(default_factory=dict)
    priorities: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def of(store: Store, project_id: str) -> Names:
        return Names(
            statuses={s["id"]: s["name"] for s in store.statuses(project_id)},
            people={u["id"]: u.get("display_name") or u.get("email") or "" for u in store.users()},
            iterations=iteration_names(store, project_id),
        )


def cell(row: Mapping[str, Any], column: str, names: Names, zone: tzinfo | None = None) -> Cell:
    """One task's value in one column: text, a number (estimate), a local time, or None (empty)."""
    if column == "key":
        return row.get("key") or ""
    if column == "title":
        return row.get("title") or ""
    if column == "status":
        return names.statuses.get(row.get("status_id") or "", "")
    if column == "assignee":
        return names.people.get(row.get("assignee_id") or "", "")
    if column == "priority":
        priority = row.get("priority") or "none"
        return names.priorities.get(priority, priority)
    if column == "iteration":
        return names.iterations.get(row.get("iteration_id") or "", "")
    if column == "labels":
        return ", ".join(row.get("labels") or ())
    if column == "estimate":
        value = row.get("estimate")
        return float(value) if value is not None else None
    if column in TIME_COLUMNS:
        moment = _moment(row.get(_FIELD[column]))
        return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None
    raise ValueError(f"unknown column {column!r}; expected one of {', '.join(COLUMNS)}")


@dataclass(frozen=True)
class Sheet:
    """A table as shown: headers (one per column, "group" first when grouped) and rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]


def sheet(
    columns: Iterable[str],
    groups: Iterable[tuple[str | None, list[Mapping[str, Any]]]],
    names: Names,
    headers: Mapping[str, str] = ENGLISH_HEADERS,
    zone: tzinfo | None = None,
) -> Sheet:
    """The sheet of `groups` (name and tasks, in order; one group named None when ungrouped)."""
    columns = list(columns)
    groups = list(groups)
    grouped = any(name is not None for name, _ in groups)
    head = [headers.get(c, c) for c in columns]
    rows: list[list[Cell]] = []
    for name, tasks in groups:
        for task in tasks:
            cells = [cell(task, c, names, zone) for c in columns]
            rows.append([name or "", *cells] if grouped else cells)
    return Sheet([headers.get("group", "group"), *head] if grouped else head, rows)


def text_of(value: Cell) -> str:
    """A cell as the screen and the CSV show it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    return value


def to_csv(table: Sheet) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([text_of(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Sheet, title: str = "Tasks") -> bytes:
    import xlsxwriter  # only an export needs it

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    page = book.add_worksheet(title[:31] or "Tasks")
    bold = book.add_format({"bold": True, "bottom": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    page.write_row(0, 0, table.headers, bold)
    widths = [max(8, len(h) * 2) for h in table.headers]
    for r, row in enumerate(table.rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                page.write_datetime(r, c, value, when)
                widths[c] = max(widths[c], 17)
            elif isinstance(value, float):
                page.write_number(r, c, value)
            elif value:
                page.write_string(r, c, value)
                widths[c] = min(60, max(widths[c], len(value) * 2))
    for c, width in enumerate(widths):
        page.set_column(c, c, width)
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, len(table.rows), max(0, len(table.headers) - 1))
    book.close()
    return out.getvalue()


def encode(table: Sheet, fmt: str, title: str = "Tasks") -> bytes:
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx(table, title)
    raise ValueError(f"unknown format {fmt!r}; expected csv or xlsx")


def iteration_names(store: Store, project_id: str) -> dict[str, str]:
    """Iteration id -> name, in the store's order of iterations."""
    return {i["id"]: i.get("name") or "" for i in store.iterations(project_id)}


def project_sheet(
    store: Store,
    project_id: str,
    *,
    columns: Iterable[str] = DEFAULT_COLUMNS,
    zone: tzinfo | None = None,
    limit: int = 1_000_000,
) -> Sheet:
    """Every task of a project in the table's default view: board order (status by status, each by
    position), no filter, no grouping. `keel tasks export` writes this."""
    rows: list[Mapping[str, Any]] = []
    for status in store.statuses(project_id):
        rows += store.column_slice(project_id, status["id"], limit=limit)
    return sheet(columns, [(None, rows)], Names.of(store, project_id), zone=zone)
