"""What the server hands to push: a committed notification, and the interfaces that carry it.

`PushGateway` is the one door the server uses; a `Sender` per registration `kind` speaks one
push protocol (Web Push and ntfy here; FCM and APNs plug in the same way, see docs/push.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Notice:
    """A notification row that has been committed, as the push side needs it."""

    id: str
    user_id: str
    kind: str
    title: str
    task_id: str | None
    project_id: str | None
    actor_id: str | None
    created_at: str | None
    # When the push is for: quiet hours are decided at this instant (None: `created_at`). A push
    # held back by quiet hours is handed over again when they end, with that time here.
    pushed_at: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Notice:
        """From a notification's wire form (its feed body)."""
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            kind=row["kind"],
            title=row["title"],
            task_id=row.get("task_id"),
            project_id=row.get("project_id"),
            actor_id=row.get("actor_id"),
            created_at=row.get("created_at"),
        )


@dataclass(frozen=True)
class Registration:
    """One device's push endpoint. Its secrets stay out of `repr`, so they cannot reach a log by accident."""

    id: str
    user_id: str
    kind: str
    endpoint: str = field(repr=False)
    p256dh: str | None = field(default=None, repr=False)
    auth: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)  # the push service's access token (ntfy)
    locale: str | None = None  # the language a server-worded message is in (ntfy)


@dataclass(frozen=True)
class PushMessage:
    """What a sender delivers: a small JSON payload and RFC 8030's delivery hints."""

    payload: bytes
    ttl_s: int
    urgency: str  # RFC 8030 §5.3: very-low, low, normal, high
    # The payload's fields, for senders that word the notification on the server (ntfy).
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)


class PushGateway(Protocol):
    """Takes every committed notification; returns at once (delivery happens in the background)."""

    def deliver(self, user_id: str, notice: Notice) -> None: ...


class Sender(Protocol):
    """Speaks one push protocol. `send` raises a `PushError` subclass for anything but success."""

    kind: str

    async def send(self, registration: Registration, message: PushMessage) -> None: ...

    async def aclose(self) -> None: ...
