"""The store's entity families: one module each, holding its optimistic applies, queries and actions.

Registering a family is one line: its class among `Families`' bases. `APPLY` (mutation name ->
optimistic apply) and `CHECKS` (mutation name -> args rule) are built from them; a mutation
claimed by two families is an error at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync.store._family import Apply, Check, Family
from sync.store.families.comments import Comments
from sync.store.families.desk import Desk
from sync.store.families.notifications import Notifications
from sync.store.families.people import People
from sync.store.families.projects import Projects
from sync.store.families.task_events import TaskEvents
from sync.store.families.task_lists import TaskLists
from sync.store.families.tasks import Tasks


class Families(Projects, Tasks, TaskLists, Comments, Notifications, People, TaskEvents, Desk):
    """Every family's queries and actions, mixed into the store's app face."""


FAMILIES: tuple[type[Family], ...] = tuple(base for base in Families.__bases__ if issubclass(base, Family))


def _merged(part: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for family in FAMILIES:
        table: Mapping[str, Any] = vars(family).get(part, {})
        claimed = out.keys() & table.keys()
        if claimed:
            raise RuntimeError(f"{family.__name__} claims {sorted(claimed)}, which another family has")
        out.update(table)
    return out


APPLY: dict[str, Apply] = _merged("APPLY")
CHECKS: dict[str, Check] = _merged("CHECKS")

__all__ = ["APPLY", "CHECKS", "FAMILIES", "Families"]
