"""The protocol's plain values: names, limits and the ids any client can compute, without pydantic.

`sync.protocol` (the wire's pydantic models) re-exports all of them; the store's reads import them
from here, so `keel status` and `keel tasks list` start without building the protocol's models
(pydantic and those models were most of their start-up: docs/benchmarks.md, issue 14).
"""

from __future__ import annotations

import uuid
from typing import Literal

MAX_DESCRIPTION = 100_000

Role = Literal["owner", "admin", "member", "viewer"]
Priority = Literal["urgent", "high", "medium", "low", "none"]

# The kinds of version 1; a pull carries the others only when `include` names their entity
# (PROTOCOL-2.md: `at_risk` travels with `include=task_event`).
NOTIFICATION_KINDS: tuple[str, ...] = ("assigned", "mentioned", "commented", "status_changed", "due_soon", "overdue")
# The service desk's kinds travel with `include=ticket` (PROTOCOL-2.md, "Service desk").
DESK_KINDS: tuple[str, ...] = (
    "sla_warning", "sla_breached", "ticket_reply", "ticket_reopened", "low_satisfaction", "ticket_linked_done"
)  # fmt: skip
EXTENSION_KINDS: dict[str, str] = {"at_risk": "task_event", **dict.fromkeys(DESK_KINDS, "ticket")}

# Notification preferences (Keel's extension).
DEFAULT_LEADS_MIN = (1440, 60)  # "due soon" reminders 24 h and 1 h before the due time
DEFAULT_DIGEST_AT = "09:00"  # the daily overdue digest
MAX_MUTED_PROJECTS = 500


def sla_policy_id(project_id: uuid.UUID | str, priority: str) -> str:
    """The id of a desk's SLA policy for one priority."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:sla_policy:{str(project_id).lower()}:{priority}"))


def member_id(project_id: uuid.UUID | str, user_id: uuid.UUID | str) -> str:
    """The id of the member row of a (project, user) pair, computable by any client."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:member:{str(project_id).lower()}:{str(user_id).lower()}"))


def watch_id(task_id: uuid.UUID | str, user_id: uuid.UUID | str) -> str:
    """The id of the watch row of a (task, user) pair."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:watch:{str(task_id).lower()}:{str(user_id).lower()}"))


def task_link_id(kind: str, from_id: uuid.UUID | str, to_id: uuid.UUID | str) -> str:
    """The id of a link: putting the same link again names the same row."""
    key = f"keel:task_link:{kind}:{str(from_id).lower()}:{str(to_id).lower()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def notification_pref_id(user_id: uuid.UUID | str) -> str:
    """The id of a user's notification preferences row."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keel:notification_pref:{str(user_id).lower()}"))
