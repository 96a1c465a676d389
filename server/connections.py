"""uvicorn's HTTP/1.1 protocol (httptools) with limits on how a request arrives.

uvicorn times out idle keep-alive connections only: a client that opens connections and dribbles
header bytes (slowloris) held each one for ever, headers had no size limit, and an unreadable
request was answered in plain text. Here the request head must arrive within `header_timeout_s`,
its size stays under `max_header_bytes` (431 otherwise), the body must arrive within
`body_timeout_s`, and every error the protocol layer answers has the protocol's error shape.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.errors import error_object


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    max_header_bytes: int = 16 * 1024


class HeadersTooLarge(Exception):
    """Raised from a parser callback to stop parsing; the answer is 431."""


_REASONS = {400: b"Bad Request", 431: b"Request Header Fields Too Large"}


class GuardedHttpProtocol(HttpToolsProtocol):
    """One connection. `limits` is set on a subclass per server (see `guarded_protocol`)."""

    limits = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._oversized = False

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._cut_off)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _cut_off(self) -> None:
        """Too slow: close. A request whose body was being read sees a disconnect."""
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    # --- connection and parser callbacks ---------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._deadline is None:  # the next request on a kept-alive connection
            self._arm(self.limits.header_timeout_s)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.limits.max_header_bytes:
            self._oversized = True
            raise HeadersTooLarge

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if not self.parser.should_upgrade():
            self._arm(self.limits.body_timeout_s)  # disarmed when the body is complete

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse, in the protocol's error shape."""
        self._disarm()
        if self._oversized:
            status, error = (
                431,
                error_object(
                    "headers_too_large", f"The request line and headers are over {self.limits.max_header_bytes} bytes."
                ),
            )
        else:
            status, error = 400, error_object("malformed_request", "The server could not read this HTTP request.")
        body = orjson.dumps({"error": error})
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """The protocol class for one server's limits (uvicorn builds one instance per connection)."""
    return type("KeelHttpProtocol", (GuardedHttpProtocol,), {"limits": limits})
