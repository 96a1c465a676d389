"""A push service's skeleton on loopback: an HTTP server in a thread, and what each subscriber received.

`PushReceiver` (Web Push) and `NtfyReceiver` (ntfy) build on it: each says what a request must
look like and what a delivery is answered with; this module holds the server, the scripted
answers (404, 410, 429 with Retry-After, 5xx, ...) and the waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Delivery:
    """One request the service got: what it decoded, and what it answered."""

    status: int
    payload: dict[str, Any] | None
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


@dataclass(kw_only=True)
class Mailbox:
    """One subscriber's requests: those answered `delivered` are messages it got."""

    service: LoopbackService
    delivered: int = 200
    script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    requests: list[Delivery] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def answer(self, *statuses: int, retry_after: str | None = None) -> None:
        """The next requests are answered with these statuses (then `delivered` again)."""
        for status in statuses:
            headers = {"Retry-After": retry_after} if retry_after is not None and status == 429 else {}
            self.script.append((status, headers))

    def next_answer(self) -> tuple[int, dict[str, str]]:
        return self.script.popleft() if self.script else (self.delivered, {})

    def record(self, status: int, payload: dict[str, Any] | None, headers: dict[str, str]) -> None:
        with self.service.changed:
            self.requests.append(Delivery(status, payload, headers, time.monotonic()))
            self.service.changed.notify_all()

    @property
    def deliveries(self) -> list[Delivery]:
        """The requests answered `delivered`: messages the subscriber got."""
        return [r for r in self.requests if r.status == self.delivered]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Waits until `count` messages were delivered; returns them."""
        deadline = time.monotonic() + timeout
        with self.service.changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.deliveries)} of {count} pushes arrived in {timeout} s: {self.problems}"
                self.service.changed.wait(left)
            return self.deliveries[:count]

    def wait_for_one(self, match: Callable[[Delivery], bool], timeout: float = 10.0) -> Delivery:
        """Waits until a delivered message matches; returns it (others may come first, such as the
        demo's own reminders)."""
        deadline = time.monotonic() + timeout
        with self.service.changed:
            while True:
                found = next((d for d in self.deliveries if match(d)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, f"none of {len(self.deliveries)} pushes matched in {timeout} s: {self.problems}"
                self.service.changed.wait(left)


class LoopbackService:
    """An HTTP server on 127.0.0.1 (a thread of this process); `receive` answers each POST."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        name = type(self).__name__
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Status, extra headers and body to answer a POST with (headers' names in lower case)."""
        raise NotImplementedError


def _handler(service: LoopbackService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as push services do

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = service.receive(self.path, headers, body)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows what matters
            pass

    return Handler
