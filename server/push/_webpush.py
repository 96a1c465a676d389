"""Web Push: RFC 8030 delivery, RFC 8291 encryption (aes128gcm, by pywebpush) and RFC 8292 VAPID.

The request goes out through the package's `PushClient` (httpx on the dispatcher's event loop),
so timeouts, Retry-After and the mapping of answers are shared with the other senders, and no log
line carries an endpoint's path (which holds the subscription's token) or the VAPID token.
"""

from __future__ import annotations

import httpx
from pywebpush import WebPusher, WebPushException

from server.push._egress import Egress
from server.push._errors import InvalidSubscription
from server.push._gateway import PushMessage, Registration
from server.push._http import PushClient, origin_of
from server.push._vapid import Vapid

KIND = "webpush"


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

    def __init__(
        self, vapid: Vapid, *, transport: httpx.AsyncBaseTransport | None = None, egress: Egress | None = None
    ) -> None:
        self.vapid = vapid
        self._client = PushClient(transport, egress=egress)

    async def send(self, registration: Registration, message: PushMessage) -> None:
        body = encrypt(registration, message.payload)
        headers = {
            "TTL": str(message.ttl_s),
            "Urgency": message.urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self.vapid.authorization(origin_of(registration.endpoint)),
        }
        await self._client.post(registration.endpoint, content=body, headers=headers)

    async def aclose(self) -> None:
        await self._client.aclose()
