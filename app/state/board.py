"""The board's view state: filters, the cards a column shows, and the window of a long column.

Flet builds, diffs and sends every control it is given, so a column never gets more cards than fit
on screen plus a margin: `Window` turns a scroll offset into the slice of cards to render and the
heights of the spacers that stand for the rest, and `BoardModel.column` reads just that slice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, get_args

from app.state.fmt import due_label, initials, local_zone
from sync.protocol import Priority
from sync.store import Store, TaskFilter

PRIORITIES: tuple[str, ...] = get_args(Priority)  # the protocol's order: most urgent first
DUE_CHOICES = ("overdue", "today", "week", "none")

CARD_HEIGHT = 120  # pixels, card and gap: the spacers are computed from it, so cards never grow
PHONE_CARD_HEIGHT = 88  # a phone's compact card and gap: 6 or more fit on a 390x844 screen
WINDOW_MARGIN = 12  # cards rendered above and below the visible ones
# Cards a column renders when the board opens, before it knows its viewport: a 1440x900 screen shows
# 6, a 390x844 phone 7 of its compact cards. Fewer cards is a faster open (Flet builds, diffs and
# sends every control); once the column is laid out it grows to fill its viewport and a margin.
MIN_WINDOW = 8
OPEN_WINDOW = 20  # what a column then fills to at least (a 900-px screen and a margin below it)


@dataclass(frozen=True)
class CardView:
    """One card, as drawn: everything the card shows and nothing else (memoised by equality)."""

    id: str
    key: str | None
    title: str
    status_id: str
    position: str
    assignee_id: str | None
    assignee: str  # initials, "" when unassigned
    assignee_name: str
    priority: str
    due: str | None  # badge text
    overdue: bool
    labels: tuple[str, ...]
    subtasks_done: int
    subtasks_total: int
    pending: bool  # has edits not yet synced


@dataclass(frozen=True)
class BoardFilters:
    text: str = ""
    assignee_id: str | None = None  # "none": unassigned
    label: str | None = None
    priority: str | None = None
    due: str | None = None  # one of DUE_CHOICES

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or any((self.assignee_id, self.label, self.priority, self.due))

    def task_filter(self, now: datetime, zone: tzinfo | None = None) -> TaskFilter:
        zone = zone or local_zone()
        kw: dict[str, Any] = {"text": self.text.strip() or None, "label": self.label, "priority": self.priority}
        if self.assignee_id == "none":
            kw["unassigned"] = True
        elif self.assignee_id:
            kw["assignee_id"] = self.assignee_id
        midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        if self.due == "overdue":
            kw["due_before"] = now
        elif self.due == "today":
            kw["due_after"], kw["due_before"] = midnight, midnight + timedelta(days=1)
        elif self.due == "week":
            kw["due_after"], kw["due_before"] = midnight, midnight + timedelta(days=7)
        if self.due == "none":
            return NoDueDate(**kw)
        return TaskFilter(**kw)


@dataclass(frozen=True)
class NoDueDate(TaskFilter):
    """The filter "no due date": TaskFilter can bound a due date but not ask for none, and every
    board query takes its SQL from `sql()`, so the condition is added here."""

    def sql(self) -> tuple[str, list[Any]]:
        extra, params = super().sql()
        return f"{extra} AND task.due_at IS NULL", params


@dataclass(frozen=True)
class Window:
    """The slice [start, end) of a column's cards that is rendered, and the spacers around it."""

    start: int
    end: int
    total: int
    height: int = CARD_HEIGHT  # of one card and its gap

    @property
    def top_pad(self) -> int:
        return self.start * self.height

    @property
    def bottom_pad(self) -> int:
        return max(0, self.total - self.end) * self.height

    @staticmethod
    def at(
        pixels: float, viewport: float, total: int, margin: int = WINDOW_MARGIN, height: int = CARD_HEIGHT
    ) -> Window:
        """The window for a column scrolled to `pixels` with `viewport` pixels visible."""
        if viewport <= 0:
            return Window(0, min(total, MIN_WINDOW), total, height)
        first = max(0, int(pixels // height) - margin)
        last = int((pixels + viewport) // height) + 1 + margin
        first = min(first, max(0, total - 1))
        return Window(first, max(first, min(total, last)), total, height)

    def covers(self, other: Window) -> bool:
        """Whether this window already renders every card `other` needs (no re-render to scroll there)."""
        return self.total == other.total and self.start <= other.start and other.end <= self.end

    def grown(self, margin: int = WINDOW_MARGIN) -> Window:
        """This window with an extra margin each side, so small scrolls need no new render."""
        return Window(max(0, self.start - margin), min(self.total, self.end + margin), self.total, self.height)


LIST_COLUMNS = ("key", "title", "status", "assignee", "priority", "due")


@dataclass(frozen=True)
class ListSort:
    """The list view's order: a column and a direction ("board" is the board's own order). Empty
    values (no assignee, no due date) go last either way; ties keep the board's order."""

    field: str = "board"
    descending: bool = False

    def toggled(self, field: str) -> ListSort:
        """A click on a column header: sort by it, or flip the direction when it already sorts."""
        if field == self.field:
            return ListSort(field, not self.descending)
        return ListSort(field, False)

    def apply(
        self, rows: list[dict[str, Any]], status_order: dict[str, int], people: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        names = {u["id"]: u.get("display_name") or "" for u in people}
        rank = {p: i for i, p in enumerate(PRIORITIES)}

        def key(row: dict[str, Any]) -> Any:
            if self.field == "key":
                return row.get("number")  # a task created offline has none yet
            if self.field == "title":
                return (row.get("title") or "").casefold()
            if self.field == "status":
                return status_order.get(row.get("status_id") or "", len(status_order))
            if self.field == "assignee":
                return names.get(row.get("assignee_id") or "") or None
            if self.field == "priority":
                return rank.get(row.get("priority") or "none", len(rank))
            return row.get("due_at") or None  # ISO-8601 UTC text sorts as time

        present = [r for r in rows if key(r) is not None]
        empty = [r for r in rows if key(r) is None]
        return sorted(present, key=key, reverse=self.descending) + empty  # sorted() is stable


@dataclass
class ColumnView:
    status: dict[str, Any]
    total: int
    cards: list[CardView]
    window: Window


@dataclass
class BoardModel:
    """Reads one project's board from the store, for the given filters and column windows."""

    store: Store
    project_id: str
    filters: BoardFilters = field(default_factory=BoardFilters)
    now: datetime | None = None
    zone: tzinfo | None = None

    def _now(self) -> datetime:
        return self.now or datetime.now().astimezone()

    def statuses(self) -> list[dict[str, Any]]:
        return self.store.statuses(self.project_id)

    def counts(self) -> dict[str, int]:
        return self.store.column_counts(self.project_id, self.filters.task_filter(self._now(), self.zone))

    def column(self, status: dict[str, Any], window: Window | None = None, total: int | None = None) -> ColumnView:
        task_filter = self.filters.task_filter(self._now(), self.zone)
        if total is None:
            total = self.store.column_counts(self.project_id, task_filter).get(status["id"], 0)
        if window is None or window.total != total:
            # Keep the window where it was (a card came or went), but never past the column's end:
            # a column that shrank below it (a filter) clamps its scroll offset and may not scroll
            # again, so the window must reach back far enough to fill the screen.
            size = max(window.end - window.start, MIN_WINDOW) if window else MIN_WINDOW
            start = max(0, min(window.start if window else 0, total - size))
            window = Window(start, min(total, start + size), total, window.height if window else CARD_HEIGHT)
        rows = self.store.column_slice(
            self.project_id, status["id"], task_filter, offset=window.start, limit=window.end - window.start, cards=True
        )
        return ColumnView(status, total, self.cards(rows), window)

    def columns(self, windows: dict[str, Window] | None = None) -> list[ColumnView]:
        counts = self.counts()
        windows = windows or {}
        return [
            self.column(status, windows.get(status["id"]), counts.get(status["id"], 0)) for status in self.statuses()
        ]

    def list_rows(self, limit: int = 2000, sort: ListSort | None = None) -> list[CardView]:
        """The list view: every task of the project passing the filters, in board order (column by
        column, each by position; positions of different columns do not compare), or sorted by a
        column of the list."""
        task_filter = self.filters.task_filter(self._now(), self.zone)
        rows: list[dict[str, Any]] = []
        statuses = self.statuses()
        for status in statuses:
            if len(rows) >= limit:
                break
            rows += self.store.column_slice(self.project_id, status["id"], task_filter, limit=limit - len(rows))
        if sort is not None and sort.field != "board":
            rows = sort.apply(rows, {s["id"]: i for i, s in enumerate(statuses)}, self.store.users())
        return self.cards(rows)

    def cards(self, rows: list[dict[str, Any]]) -> list[CardView]:
        people = {u["id"]: u for u in self.store.users()}
        progress = self.store.subtask_progress([r["id"] for r in rows])
        now = self._now()
        done = done_status_ids(self.store, [self.project_id])
        return [card_view(row, people, progress, now, self.zone, done_ids=done) for row in rows]


def done_status_ids(store: Store, project_ids: Iterable[str]) -> frozenset[str]:
    """The ids of the `done` statuses of these projects (a task in one is never overdue)."""
    return frozenset(s["id"] for pid in set(project_ids) for s in store.statuses(pid) if s.get("category") == "done")


def card_view(
    row: dict[str, Any],
    people: dict[str, dict[str, Any]],
    progress: dict[str, tuple[int, int]],
    now: datetime,
    zone: tzinfo | None = None,
    *,
    done_ids: Collection[str],
) -> CardView:
    person = people.get(row.get("assignee_id") or "")
    name = person["display_name"] if person else ""
    badge = due_label(row.get("due_at"), now, zone, done=row.get("status_id") in done_ids)
    done, total = progress.get(row["id"], (0, 0))
    return CardView(
        id=row["id"],
        key=row.get("key"),
        title=row.get("title") or "",
        status_id=row.get("status_id") or "",
        position=row.get("position") or "",
        assignee_id=row.get("assignee_id"),
        assignee=initials(name) if person else "",
        assignee_name=name,
        priority=row.get("priority") or "none",
        due=badge[0] if badge else None,
        overdue=bool(badge and badge[1]),
        labels=tuple(row.get("labels") or ()),
        subtasks_done=done,
        subtasks_total=total,
        pending=bool(row.get("pending")),
    )
