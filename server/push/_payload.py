"""The push payload: a small JSON the device turns into a notification in its own language.

It names the notification, the task and who acted; the app (or service worker) composes the
text, and opens the task on a tap. Web Push encrypts it end to end (RFC 8291), so the push
service never reads it. A sender whose device shows what it is given (ntfy) words the same
facts on the server instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from server.push._gateway import Notice, PushMessage

PAYLOAD_VERSION = 1
# RFC 8291 leaves 3993 bytes of plaintext in one 4096-byte record; titles are cut well before that.
MAX_TITLE_CHARS = 200
MAX_NAME_CHARS = 100
# People are waiting on these; the others may wait for a device's next wake-up.
HIGH_URGENCY = frozenset({"mentioned", "assigned"})


@dataclass(frozen=True)
class NoticeContext:
    """What the notification row does not hold: the task's KEY-number and the actor's name."""

    task_key: str | None = None
    actor_name: str | None = None


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def payload_of(notice: Notice, context: NoticeContext) -> dict[str, object]:
    return {
        "v": PAYLOAD_VERSION,
        "notification_id": notice.id,
        "kind": notice.kind,
        "title": _cut(notice.title, MAX_TITLE_CHARS),
        "task_id": notice.task_id,
        "project_id": notice.project_id,
        "task_key": context.task_key,
        "actor_id": notice.actor_id,
        "actor_name": _cut(context.actor_name, MAX_NAME_CHARS),
        "created_at": notice.created_at,
    }


def message_of(notice: Notice, context: NoticeContext, ttl_s: int) -> PushMessage:
    urgency = "high" if notice.kind in HIGH_URGENCY else "normal"
    facts = payload_of(notice, context)
    return PushMessage(orjson.dumps(facts), ttl_s=ttl_s, urgency=urgency, facts=facts)
