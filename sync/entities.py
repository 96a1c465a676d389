"""The synced entities, declared once: wire row, who receives it, extension or not, what ties it to a project.

Pure (dataclasses, no I/O), so the server imports it beside `sync.protocol`. The row models are the
truth about each entity's fields, but this module does not import them (nor pydantic): their fields,
with how each is stored, are compiled into `sync/_fields.py` by `python -m sync.entities` (a test
checks that the checked-in file matches), and `Entity.row` imports the model when asked. So the
store opens, and `keel status` starts, without building the protocol's models (docs/benchmarks.md).
Everything that must know every entity is derived from `REGISTRY`: the server's feed bodies and
scopes (server/feed.py), the cache's tables and JSON/boolean columns (sync/store/_schema.py), the
purge by project and the replay ranges (sync/store/_replay.py, _family.py). Adding an entity
is one `Entity(...)` line here plus its row model (docs/architecture.md walks through the rest).
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, cast, get_args, get_origin

from sync._fields import FIELDS

if TYPE_CHECKING:
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
    model: str  # the row model's name in sync.protocol
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
    def row(self) -> type[p.RowBase]:
        """The row model (importing `sync.protocol`, and pydantic, on first use)."""
        from sync import protocol

        return cast("type[p.RowBase]", getattr(protocol, self.model))

    @property
    def fields(self) -> dict[str, FieldKind]:
        """The row's fields after `id`, `seq` and `deleted`, in wire order, with how each is stored."""
        return cast("dict[str, FieldKind]", FIELDS[self.name])


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


def model_fields(model: type[p.RowBase]) -> dict[str, FieldKind]:
    """A row model's fields after `id`, `seq` and `deleted`, with how each is stored (`sync/_fields.py`)."""
    return {n: _kind(f.annotation) for n, f in model.model_fields.items() if n not in _BASE_FIELDS}


REGISTRY: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("user", "UserRow", "people", project_key=None),
        Entity("project", "ProjectRow", "project", project_key="id"),
        Entity("member", "MemberRow", "project"),
        Entity("status", "StatusRow", "project", ranges=(("statuses", "project_id"),)),
        Entity(
            "task",
            "TaskRow",
            "project",
            ranges=(("column", "status_id"), ("children", "parent_id"), ("in_iteration", "iteration_id")),
        ),
        Entity("comment", "CommentRow", "project", ranges=(("of_task", "task_id"),)),
        Entity("notification", "NotificationRow", "own", ranges=(("unread", "user_id"),)),
        Entity("watch", "WatchRow", "own", project_key="task_id", via="task", ranges=(("of_task", "task_id"),)),
        Entity("notification_pref", "NotificationPrefRow", "own", extension=True, prefix="np", project_key=None),
        Entity("task_event", "TaskEventRow", "project", extension=True, prefix="te"),
        Entity("iteration", "IterationRow", "project", extension=True, prefix="it"),
        Entity(
            "task_link",
            "TaskLinkRow",
            "project",
            extension=True,
            prefix="tl",
            ranges=(("links", "from_id"), ("links", "to_id")),
        ),
        Entity("ticket", "TicketRow", "project", extension=True, prefix="tk"),
        Entity("sla_policy", "SlaPolicyRow", "project", extension=True, prefix="sp"),
    )
}

ENTITIES = tuple(REGISTRY)
EXTENSION_ENTITIES = tuple(name for name, e in REGISTRY.items() if e.extension)
# Entities purged with their project, by their own `project_id` (the project row itself and rows tied
# through another entity are purged apart).
PROJECT_ROWS = tuple(n for n, e in REGISTRY.items() if e.project_key == "project_id" and e.via is None)
RANGES: dict[str, tuple[tuple[str, str], ...]] = {n: e.ranges for n, e in REGISTRY.items() if e.ranges}
JSON_FIELDS = frozenset(f for e in REGISTRY.values() for f, kind in e.fields.items() if kind == "json")
BOOL_FIELDS = frozenset(f for e in REGISTRY.values() for f, kind in e.fields.items() if kind == "bool")


def __getattr__(name: str) -> Any:
    if name == "ROW_MODELS":  # every entity's row model, imported on first use
        return {n: e.row for n, e in REGISTRY.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render() -> str:
    """The text of `sync/_fields.py`: every entity's fields, from its row model."""
    lines = [
        '"""Every entity\'s fields after `id`, `seq` and `deleted`, in wire order, with how each is stored:',
        'compiled from the row models of `sync/protocol.py` by `python -m sync.entities`, do not edit."""',
        "",
        "FIELDS: dict[str, dict[str, str]] = {",
    ]
    for name, entity in REGISTRY.items():
        lines.append(f"    {name!r}: {{".replace("'", '"'))
        lines += [f'        "{field}": "{kind}",' for field, kind in model_fields(entity.row).items()]
        lines.append("    },")
    return "\n".join([*lines, "}", ""])


FIELDS_FILE = Path(__file__).with_name("_fields.py")

if __name__ == "__main__":
    FIELDS_FILE.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {FIELDS_FILE}\n")
