"""An ntfy server on loopback, standing in for ntfy.sh (or a self-hosted one) and the ntfy app behind it.

It checks what Keel publishes against ntfy's publishing API ("Publish as JSON",
https://docs.ntfy.sh/publish/), written from the docs rather than from the server's code:

- `POST` to the server's root (under the path prefix of the topic's URL, if any) with
  `Content-Type: application/json` and a JSON object: `topic` (a topic this server holds),
  `title` and `message` strings, `priority` an integer 1 to 5, `tags` a list of strings, `click`
  a URL; no other fields.
- A topic made with a token needs `Authorization: Bearer <token>`: without it ntfy answers 403,
  with another one 401. A topic without a token takes no Authorization (ntfy answers 401 to an
  unknown token wherever it is sent).
- A delivery is answered 200 with the message as ntfy echoes it; a test may script 404, 410,
  429 with Retry-After, 5xx.

    with NtfyReceiver() as ntfy:
        topic = ntfy.topic(token="tk_...")
        ...register topic.endpoint (and the token) with the server...
        [delivery] = topic.wait_for(1)
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from tests.server.loopback_service import LoopbackService, Mailbox

FIELDS = {"topic", "title", "message", "priority", "tags", "click"}
TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # ntfy's own rule


def new_token() -> str:
    """An access token of the form `ntfy token add` prints: tk_ and 29 lower-case letters and digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "tk_" + "".join(secrets.choice(alphabet) for _ in range(29))


@dataclass(kw_only=True)
class Topic(Mailbox):
    """A topic a phone's ntfy app subscribed to: what reached it, and the token publishing needs."""

    name: str
    token: str | None = field(default=None, repr=False)
    prefix: str = ""  # a server behind a reverse proxy at a path, e.g. "/ntfy"

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}{self.prefix}/{self.name}"


class NtfyReceiver(LoopbackService):
    """An ntfy server holding topics."""

    def __init__(self, *, open_topics: bool = False) -> None:
        super().__init__()
        self.topics: dict[str, Topic] = {}
        self.strays: list[str] = []  # requests for no topic this server holds
        # Like ntfy.sh: a topic exists once anyone publishes to it, and a phone that subscribes
        # later sees what was published (here: a client made the topic and registered it itself).
        self.open_topics = open_topics

    def subscribe(self, name: str) -> Topic:
        """The phone subscribes to a topic someone else named (scanned from a QR code)."""
        return self.topics.setdefault(name, Topic(service=self, name=name))

    def topic(self, *, token: str | None = None, prefix: str = "") -> Topic:
        """A fresh topic: 24 random characters, as docs/push.md tells people to pick."""
        name = secrets.token_urlsafe(18)
        topic = Topic(service=self, name=name, token=token, prefix=prefix)
        self.topics[name] = topic
        return topic

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            message = json.loads(body)
            name = message["topic"]
            if self.open_topics and isinstance(name, str) and TOPIC_NAME.match(name):
                self.subscribe(name)
            topic = self.topics[name]
        except (ValueError, TypeError, KeyError):
            self.strays.append(f"POST {path}: {body[:200]!r}")
            return 400, {}, b'{"code":40001,"error":"invalid request"}'
        status, extra = topic.next_answer()
        try:
            assert path == f"{topic.prefix}/", f"published to {path}, not to the server's root"
            assert headers.get("content-type") == "application/json", "Content-Type is not application/json"
            _check(message)
        except AssertionError as exc:
            topic.problems.append(str(exc))
            status, extra = 400, {}
        auth = headers.get("authorization")
        if auth != (f"Bearer {topic.token}" if topic.token else None):
            topic.problems.append("no Authorization" if auth is None else "the wrong Authorization")
            status, extra = (403 if auth is None else 401), {}
        topic.record(status, message, headers)
        if status != topic.delivered:
            return status, extra, b""
        echo = {"id": secrets.token_hex(6), "time": int(time.time()), "event": "message", **message}
        return status, {"Content-Type": "application/json"}, json.dumps(echo).encode()


def _check(message: dict[str, Any]) -> None:
    """What ntfy's JSON publishing accepts (and what Keel relies on the app showing)."""
    assert set(message) <= FIELDS, f"fields ntfy does not know: {set(message) - FIELDS}"
    assert TOPIC_NAME.match(message["topic"]), "not a topic name ntfy accepts"
    assert isinstance(message.get("title"), str) and message["title"], "no title"
    assert isinstance(message.get("message"), str) and message["message"], "no message"
    priority = message.get("priority", 3)
    assert isinstance(priority, int) and 1 <= priority <= 5, f"priority {priority!r} is not 1 to 5"
    tags = message.get("tags", [])
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags), "tags are not a list of strings"
    click = message.get("click", "https://x")
    assert isinstance(click, str) and re.match(r"^[a-z][a-z0-9+.-]*://", click), f"click {click!r} is not a URL"
