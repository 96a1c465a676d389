"""Mutation rules that the server and the client's optimistic store both apply, written once.

Pure functions of values (no storage): each side reads its own rows, asks the rule, and writes
its own way. The server imports this module beside `sync.protocol` and nothing else of the client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

from fractional_indexing import generate_key_between

from sync import sla
from sync.wire import EXTENSION_KINDS, MAX_DESCRIPTION, NOTIFICATION_KINDS


def after_last(last: str | None) -> str:
    """A position after `last` (the end of a column or of a project's statuses; first when None)."""
    try:
        return str(generate_key_between(last, None))
    except Exception:  # a key the library cannot parse (made by another client): any longer string sorts after
        return f"{last}V"


def merge_labels(existing: Sequence[str], add: Iterable[str], remove: Iterable[str]) -> list[str]:
    """Removals first, then additions in order, without repeats (a label in both ends up on)."""
    removed = set(remove)
    out = [label for label in existing if label not in removed]
    for label in add:
        if label not in out:
            out.append(label)
    return out


def default_status(statuses: Iterable[tuple[str, str]]) -> str | None:
    """Where a task without a status goes: the first `todo` status, else the first status (None when
    there is none). `statuses` are a project's live (id, category) pairs by (position, id)."""
    first: str | None = None
    for status_id, category in statuses:
        if category == "todo":
            return str(status_id)
        first = str(status_id) if first is None else first
    return first


def every_kind(kinds: Mapping[str, Any] | None) -> dict[str, bool]:
    """Every notification kind, in protocol order, on unless `kinds` turns it off; an extension kind
    (PROTOCOL-2.md) only once `kinds` names it (absent means on)."""
    given = kinds or {}
    out = {kind: bool(given.get(kind, True)) for kind in NOTIFICATION_KINDS}
    out.update((kind, bool(given[kind])) for kind in EXTENSION_KINDS if kind in given)
    return out


def merged_kinds(old: Mapping[str, Any], changes: Mapping[str, Any] | None) -> dict[str, bool]:
    """`notification_pref.update`'s `kinds`: each kind its own field, so devices' switches merge."""
    return every_kind({**old, **(changes or {})})


def merged_muted(old: Iterable[str], add: Iterable[str], remove: Iterable[str]) -> list[str]:
    """Muted projects after removals and then additions (a project in both ends up muted), sorted."""
    removing = set(remove)
    return sorted({pid for pid in old if pid not in removing} | set(add))


def sorted_leads(leads: Iterable[int]) -> list[int]:
    """`due_soon` leads without repeats, longest first."""
    return sorted(set(leads), reverse=True)


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA zones this machine's zone database holds ("localtime", the host's own setting, is none)."""
    return frozenset(available_timezones()) - {"localtime"}


def known_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone of this machine's zone database."""
    return name in zone_names()


def escalated_description(description: str, key: str) -> str:
    """The description of the requirement a ticket is escalated to (`ticket.escalate`): the ticket's, a
    blank line, and its key (`FB-12`), cut so that the key always fits."""
    head = description + "\n\n" if description and key else description
    return head[: MAX_DESCRIPTION - len(key)] + key


# `ticket.update` fields that cannot be cleared (null is a validation_error); the requester's become empty.
UNCLEARABLE_TICKET_FIELDS = ("channel", "category", "severity", "impact", "priority")


def ticket_changes(ticket: Mapping[str, Any], given: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """`ticket.update`: the ticket row's changed fields, and the priority to give its task (the one given,
    else the matrix's when severity or impact change, else None). The caller has refused cleared
    `UNCLEARABLE_TICKET_FIELDS`."""
    values = {k: ("" if v is None else v) for k, v in given.items()}
    priority = values.pop("priority", None)
    changes = {k: v for k, v in values.items() if ticket[k] != v}
    if priority is None and ("severity" in changes or "impact" in changes):
        level = {**ticket, **changes}
        priority = sla.priority_for(int(level["severity"]), int(level["impact"]))
    return changes, priority


def blocking_path(start: str, goal: str, successors: Callable[[str], Iterable[str]]) -> list[str] | None:
    """A shortest chain of `blocks` links from `start` to `goal` (both included), or None when `goal`
    is not downstream of `start`; `successors(task)` names the tasks a task blocks. Each task is
    visited once, so the walk ends on any graph and costs what lies downstream of `start`."""
    if start == goal:
        return [start]
    came_from: dict[str, str] = {start: start}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for task_id in frontier:
            for nxt in successors(task_id):
                if nxt in came_from:
                    continue
                came_from[nxt] = task_id
                if nxt == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                following.append(nxt)
        frontier = following
    return None


def closes_cycle(from_id: str, to_id: str, successors: Callable[[str], Iterable[str]]) -> bool:
    """Whether a new `blocks` link from_id -> to_id closes a loop: `from_id` is downstream of `to_id`.
    The server's check (server/mutations/links.py) is the same walk in one SQL statement; the client
    asks this one offline, and the server stays the authority."""
    return blocking_path(to_id, from_id, successors) is not None
