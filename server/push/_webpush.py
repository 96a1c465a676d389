"""Web Push: RFC 8030 delivery, RFC 8291 encryption (aes128gcm, by pywebpush) and RFC 8292 VAPID.

The HTTP request is ours (httpx, on the dispatcher's event loop), so timeouts, Retry-After and the
mapping of answers to `PushError`s live in one place, and no log line carries an endpoint's path
(which holds the subscription's token) or the VAPID token.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
from pywebpush import WebPusher, WebPushException

from server.push._errors import EndpointGone, InvalidSubscription, PushRejected, PushUnavailable
from server.push._gateway import PushMessage, Registration
from server.push._retry import parse_retry_after
from server.push._vapid import Vapid

KIND = "webpush"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_pushing: contextvars.ContextVar[bool] = contextvars.ContextVar("keel_pushing", default=False)


def origin_of(url: str) -> str:
    """RFC 8292's audience: the endpoint's scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def encrypt(registration: Registration, payload: bytes) -> bytes:
    """The payload as an aes128gcm body for this subscriber (RFC 8291)."""
    subscription = {
        "endpoint": registration.endpoint,
        "keys": {"p256dh": registration.p256dh or "", "auth": registration.auth or ""},
    }
    try:
        return WebPusher(subscription).encode(payload, content_encoding="aes128gcm")["body"]  # type: ignore[no-any-return]
    except (WebPushException, ValueError, TypeError):
        raise InvalidSubscription("the subscription's keys cannot be encrypted to") from None


class WebPushSender:
    kind = KIND

    def __init__(self, vapid: Vapid, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.vapid = vapid
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        hide_push_urls()

    def _http(self) -> httpx.AsyncClient:
        # Made on first use, on the loop that sends; `aclose` drops it with that loop.
        if self._client is None:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
            self._client = httpx.AsyncClient(timeout=TIMEOUT, limits=limits, transport=self._transport)
        return self._client

    async def send(self, registration: Registration, message: PushMessage) -> None:
        body = encrypt(registration, message.payload)
        headers = {
            "TTL": str(message.ttl_s),
            "Urgency": message.urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self.vapid.authorization(origin_of(registration.endpoint)),
        }
        try:
            with _quiet():
                async with self._http().stream("POST", registration.endpoint, content=body, headers=headers) as answer:
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
