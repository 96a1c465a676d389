"""The synced entities, declared once: wire row, who receives it, extension or not, what ties it to a project.

Pure (pydantic models and dataclasses, no I/O), so the server imports it beside `sync.protocol`.
Everything that must know every entity is derived from `REGISTRY`: the server's feed bodies and
scopes (server/feed.py), the cache's tables and JSON/boolean columns (sync/store/_schema.py), the
purge by project and the replay ranges (sync/store/_replay.py, _family.py). Adding an entity
is one `Entity(...)` line here plus its row model (docs/architecture.md walks through the rest).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Union, get_args, get_origin

from sync import protocol as p

Scope = Literal["project", "own", "people"]
"""Who receives a row: the members of its project, its own user only, or everyone sharing a project
with the user the row is (user rows)."""

FieldKind = Literal["text", "int", "float", "bool", "time", "json", "any"]
"""How a wire field is stored: `json` is a list or object (JSON text), `any` a scalar of any type
or null (an event's old and new values), `time` an RFC 3339 instant."""

_FEED_PREFIX = {"project": "p", "own": "u", "people": "who"}


@dataclass(frozen=True)
class Entity:
    name: str
    row: type[p.RowBase]
    scope: Scope
    # An extension entity travels only in pulls whose `include` names it, under a feed scope of its
    # own (`prefix:<project or user>`), so a v1 pull never meets it (docs/protocol.md, Additions).
    extension: bool = False
    prefix: str = ""
    # The wire field that ties a row to a project (purged with it, re-sent on a grant); with `via`,
    # the field names a row of that entity, whose `project_id` is the project.
    project_key: str | None = "project_id"
    via: str | None = None
    # Ranges of the optimistic replay (sync/store/_family.py): (range, field holding its key).
    ranges: tuple[tuple[str, str], ...] = ()

    @property
    def feed_prefix(self) -> str:
        return self.prefix if self.extension else _FEED_PREFIX[self.scope]

    @property
    def fields(self) -> dict[str, FieldKind]:
        """The row's fields after `id`, `seq` and `deleted`, in wire order, with how each is stored."""
        return _fields(self.row)


def _kind(annotation: Any) -> FieldKind:
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
    origin = get_origin(annotation) or annotation
    if annotation is Any:
        return "any"
    if origin in (list, dict):
        return "json"
    kinds: dict[Any, FieldKind] = {bool: "bool", int: "int", float: "float", datetime: "time"}
    return kinds.get(origin, "text")


_BASE_FIELDS = ("id", "seq", "deleted")
_FIELDS: dict[type[p.RowBase], dict[str, FieldKind]] = {}


def _fields(model: type[p.RowBase]) -> dict[str, FieldKind]:
    found = _FIELDS.get(model)
    if found is None:
        found = {n: _kind(f.annotation) for n, f in model.model_fields.items() if n not in _BASE_FIELDS}
        _FIELDS[model] = found
    return found


REGISTRY: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("user", p.UserRow, "people", project_key=None),
        Entity("project", p.ProjectRow, "project", project_key="id"),
        Entity("member", p.MemberRow, "project"),
        Entity("status", p.StatusRow, "project", ranges=(("statuses", "project_id"),)),
        Entity(
            "task",
            p.TaskRow,
            "project",
            ranges=(("column", "status_id"), ("children", "parent_id"), ("in_iteration", "iteration_id")),
        ),
        Entity("comment", p.CommentRow, "project", ranges=(("of_task", "task_id"),)),
        Entity("notification", p.NotificationRow, "own", ranges=(("unread", "user_id"),)),
        Entity("watch", p.WatchRow, "own", project_key="task_id", via="task", ranges=(("of_task", "task_id"),)),
        Entity("notification_pref", p.NotificationPrefRow, "own", extension=True, prefix="np", project_key=None),
        Entity("task_event", p.TaskEventRow, "project", extension=True, prefix="te"),
        Entity("iteration", p.IterationRow, "project", extension=True, prefix="it"),
        Entity(
            "task_link",
            p.TaskLinkRow,
            "project",
            extension=True,
            prefix="tl",
            ranges=(("links", "from_id"), ("links", "to_id")),
        ),
        Entity("ticket", p.TicketRow, "project", extension=True, prefix="tk"),
        Entity("sla_policy", p.SlaPolicyRow, "project", extension=True, prefix="sp"),
    )
}

ENTITIES = tuple(REGISTRY)
EXTENSION_ENTITIES = tuple(name for name, e in REGISTRY.items() if e.extension)
ROW_MODELS: dict[str, type[p.RowBase]] = {name: e.row for name, e in REGISTRY.items()}
# Entities purged with their project, by their own `project_id` (the project row itself and rows tied
# through another entity are purged apart).
PROJECT_ROWS = tuple(n for n, e in REGISTRY.items() if e.project_key == "project_id" and e.via is None)
RANGES: dict[str, tuple[tuple[str, str], ...]] = {n: e.ranges for n, e in REGISTRY.items() if e.ranges}
JSON_FIELDS = frozenset(f for e in REGISTRY.values() for f, kind in e.fields.items() if kind == "json")
BOOL_FIELDS = frozenset(f for e in REGISTRY.values() for f, kind in e.fields.items() if kind == "bool")
