"""The desk's queue: one line per ticket (key, title, requester, category, priority, SLA countdown,
status, assignee), the saved queues, the filters and the order.

Pure: it takes the rows the store gives (tasks, their `ticket` rows, the desk's statuses and SLA
policies, people) and `now`, so the countdown is worked out again every tick without the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, get_args

from app.state.board import PRIORITIES
from app.state.countdown import Countdown, countdown
from sync.protocol import Channel, TicketCategory
from sync.store.families.desk import QUEUES as STORE_QUEUES
from sync.store.families.desk import TicketView

# The saved queues, in the order of their chips: the store's six after "all" (every open ticket, the default).
QUEUES: tuple[str, ...] = ("all", *STORE_QUEUES)
CATEGORIES: tuple[str, ...] = get_args(TicketCategory)
CHANNELS: tuple[str, ...] = get_args(Channel)
COLUMNS = ("key", "title", "requester", "category", "priority", "sla", "status", "assignee")


@dataclass(frozen=True)
class TicketLine:
    """One ticket as the queue draws it."""

    id: str
    key: str
    title: str
    requester: str
    category: str
    priority: str
    clock: Countdown
    status_id: str
    status: str
    assignee_id: str | None
    assignee: str
    number: int | None
    created_at: str
    waiting: bool  # its status pauses the SLA (等待用户回复)
    done: bool
    closed: bool
    pending: bool


@dataclass(frozen=True)
class DeskFilters:
    """The board's filters (text, assignee, priority) and the desk's own, category."""

    text: str = ""
    assignee_id: str | None = None  # "none": unassigned
    priority: str | None = None
    category: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or any((self.assignee_id, self.priority, self.category))

    def keeps(self, line: TicketLine) -> bool:
        needle = self.text.strip().casefold()
        if needle and not any(needle in s.casefold() for s in (line.key, line.title, line.requester)):
            return False
        if self.assignee_id == "none" and line.assignee_id is not None:
            return False
        if self.assignee_id not in (None, "none") and line.assignee_id != self.assignee_id:
            return False
        if self.priority and line.priority != self.priority:
            return False
        return not (self.category and line.category != self.category)


@dataclass(frozen=True)
class DeskSort:
    """A column and a direction, as the board's list: the default puts the nearest breach first."""

    field: str = "sla"
    descending: bool = False

    def toggled(self, field: str) -> DeskSort:
        if field == self.field:
            return DeskSort(field, not self.descending)
        return DeskSort(field, False)

    def apply(self, lines: list[TicketLine], status_order: dict[str, int]) -> list[TicketLine]:
        rank = {p: i for i, p in enumerate(PRIORITIES)}
        keys: dict[str, Any] = {
            "key": lambda x: (x.number is None, x.number or 0),
            "title": lambda x: x.title.casefold(),
            "requester": lambda x: (not x.requester, x.requester.casefold()),
            "category": lambda x: CATEGORIES.index(x.category) if x.category in CATEGORIES else len(CATEGORIES),
            "priority": lambda x: rank.get(x.priority, len(rank)),
            "sla": lambda x: x.clock.sort_key,
            "status": lambda x: status_order.get(x.status_id, len(status_order)),
            "assignee": lambda x: (not x.assignee, x.assignee.casefold()),
        }
        ordered = sorted(lines, key=lambda x: x.created_at)  # ties: the older ticket first
        return sorted(ordered, key=keys.get(self.field, keys["sla"]), reverse=self.descending)


def in_queue(line: TicketLine, queue: str, me: str | None) -> bool:
    """Whether a ticket is in a saved queue. Every queue but 已解决待确认 holds open tickets only."""
    if queue == "resolved":  # resolved, not yet confirmed or closed
        return line.done and not line.closed
    if line.done:
        return False
    if queue == "mine":
        return me is not None and line.assignee_id == me
    if queue == "unassigned":
        return line.assignee_id is None
    if queue == "breaching":
        return line.clock.state == "warning"
    if queue == "breached":
        return line.clock.state == "breached"
    if queue == "waiting":
        return line.waiting
    return True


def ticket_lines(views: Iterable[TicketView], names: dict[str, str]) -> list[TicketLine]:
    """A line per ticket the store gives (`Desk.tickets`), leaving out those merged into another."""
    lines = []
    for view in views:
        task, ticket = view.task, view.ticket
        if ticket.get("merged_into_id"):
            continue
        assignee = task.get("assignee_id")
        lines.append(
            TicketLine(
                id=task["id"],
                key=task.get("key") or "",
                title=task.get("title") or "",
                requester=ticket.get("requester_name") or "",
                category=ticket.get("category") or "other",
                priority=task.get("priority") or "none",
                clock=countdown(view.clock),
                status_id=task["status_id"],
                status=(view.status or {}).get("name", ""),
                assignee_id=assignee,
                assignee=names.get(assignee, "") if assignee else "",
                number=task.get("number"),
                created_at=task.get("created_at") or "",
                waiting=view.waiting,
                done=view.done,
                closed=bool(ticket.get("closed_at")),
                pending=bool(task.get("pending")),
            )
        )
    return lines


def queue_view(
    lines: list[TicketLine],
    queue: str,
    me: str | None,
    filters: DeskFilters,
    sort: DeskSort,
    statuses: list[dict[str, Any]],
) -> list[TicketLine]:
    """The lines of a saved queue that pass the filters, in the chosen order."""
    order = {s["id"]: i for i, s in enumerate(statuses)}
    kept = [x for x in lines if in_queue(x, queue, me) and filters.keeps(x)]
    return sort.apply(kept, order)


def queue_counts(lines: list[TicketLine], me: str | None) -> dict[str, int]:
    return {q: sum(1 for x in lines if in_queue(x, q, me)) for q in QUEUES}


def with_filter(filters: DeskFilters, field: str, value: str | None) -> DeskFilters:
    changes: dict[str, Any] = {field: value if field != "text" else (value or "")}
    return replace(filters, **changes)
