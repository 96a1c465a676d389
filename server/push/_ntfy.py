"""ntfy: push to the ntfy app (open source, self-hostable), which keeps its own connection to its server.

It reaches Android phones without Google Play services, where FCM, and so Web Push in a browser,
does not. The registration's endpoint is the topic's URL; the server publishes with ntfy's JSON
API (`POST <server>/` with the topic in the body, so UTF-8 titles need no header encoding), with
the registration's access token as a bearer token when it has one. ntfy shows what it is given,
so the text is worded here (see `_wording`); nothing is encrypted end to end, and the ntfy server
reads it. Answers are mapped by the shared `PushClient`, so retries and removals are Web Push's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from server.push._egress import Egress
from server.push._gateway import PushMessage, Registration
from server.push._http import PushClient
from server.push._wording import line_of, title_of

KIND = "ntfy"
# ntfy's priorities run from 1 (min) to 5 (max); 3 is its default. Web Push's urgency, mapped.
PRIORITY = {"high": 4, "normal": 3}
# ntfy turns tags that name an emoji into that emoji before the title.
TAGS = {
    "assigned": "bust_in_silhouette",
    "mentioned": "speech_balloon",
    "commented": "memo",
    "status_changed": "arrows_counterclockwise",
    "due_soon": "hourglass_flowing_sand",
    "overdue": "alarm_clock",
    "at_risk": "warning",
    "test": "white_check_mark",
}


def split_topic(endpoint: str) -> tuple[str, str]:
    """`https://ntfy.example.com/prefix/topic` → (`https://ntfy.example.com/prefix/`, `topic`)."""
    server, _, topic = endpoint.rpartition("/")
    return server + "/", topic


def publication(topic: str, facts: Mapping[str, Any], *, locale: str | None, urgency: str) -> dict[str, Any]:
    """The JSON body of one ntfy publish."""
    body: dict[str, Any] = {
        "topic": topic,
        "title": title_of(facts),
        "message": line_of(facts, locale),
        "priority": PRIORITY.get(urgency, 3),
    }
    if tag := TAGS.get(str(facts.get("kind"))):
        body["tags"] = [tag]
    if facts.get("task_id"):
        body["click"] = f"keel://task/{facts['task_id']}"
    return body


class NtfySender:
    kind = KIND

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None, egress: Egress | None = None) -> None:
        self._client = PushClient(transport, egress=egress)

    async def send(self, registration: Registration, message: PushMessage) -> None:
        server, topic = split_topic(registration.endpoint)
        body = publication(topic, message.facts, locale=registration.locale, urgency=message.urgency)
        headers = {"Content-Type": "application/json"}
        if registration.token:
            headers["Authorization"] = f"Bearer {registration.token}"
        await self._client.post(server, content=orjson.dumps(body), headers=headers)

    async def aclose(self) -> None:
        await self._client.aclose()
