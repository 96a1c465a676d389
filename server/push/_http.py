"""The one HTTP door every sender pushes through: httpx on the dispatcher's loop, answers mapped to `PushError`s.

Timeouts, keep-alive, Retry-After and the mapping of a push service's answer live here, once, so
each sender only builds its request. No log line carries a push URL's path (for Web Push it holds
the subscription's token) or a request's headers.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

import httpx

from server.push._egress import Egress, pinned_transport
from server.push._errors import EndpointGone, PushRejected, PushUnavailable
from server.push._retry import parse_retry_after

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_pushing: contextvars.ContextVar[bool] = contextvars.ContextVar("keel_pushing", default=False)


def origin_of(url: str) -> str:
    """The URL's scheme, host and port: RFC 8292's audience, and all of a push URL a log may show."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PushClient:
    """POSTs to push services. Made per sender; its httpx client is made on first use, on the loop that sends.

    Every connection it opens goes to an address `egress` checked when connecting (see `_egress`);
    a test may hand it a `transport` of its own instead. Redirects are never followed.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None, *, egress: Egress | None = None) -> None:
        self._transport = transport
        self._egress = egress or Egress()
        self._client: httpx.AsyncClient | None = None
        hide_push_urls()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
            transport = self._transport or pinned_transport(self._egress, limits)
            self._client = httpx.AsyncClient(timeout=TIMEOUT, transport=transport, follow_redirects=False)
        return self._client

    async def post(self, url: str, *, content: bytes, headers: Mapping[str, str]) -> None:
        """Returns on a 2xx; raises the `PushError` the answer stands for otherwise. The body is never read."""
        try:
            with _quiet():
                async with self._http().stream("POST", url, content=content, headers=headers) as answer:
                    status = answer.status_code
                    retry_after = parse_retry_after(answer.headers.get("retry-after"))
        except httpx.HTTPError as exc:
            raise PushUnavailable(f"the push service could not be reached ({type(exc).__name__})") from None
        _raise_for(status, retry_after)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def _raise_for(status: int, retry_after: float | None) -> None:
    if 200 <= status < 300:
        return
    if status in (404, 410):
        raise EndpointGone(f"the push service answered {status}: the subscription is gone", status=status)
    if status == 429 or status >= 500:
        raise PushUnavailable(f"the push service answered {status}", status=status, retry_after=retry_after)
    raise PushRejected(f"the push service refused the message with {status}", status=status)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    token = _pushing.set(True)
    try:
        yield
    finally:
        _pushing.reset(token)


class HidePushUrls(logging.Filter):
    """httpx logs every request's full URL; for a push, that URL's path is the subscription's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pushing.get() and isinstance(record.args, tuple):
            record.args = tuple(origin_of(str(a)) + "/…" if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def hide_push_urls() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, HidePushUrls) for f in logger.filters):
        logger.addFilter(HidePushUrls())
