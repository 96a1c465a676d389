"""Push to devices whose app is closed: the gateway the server hands notifications to, Web Push and ntfy.

See docs/push.md for the design, the protocol extension and how FCM and APNs plug in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.db import Database
from server.push._deferred import release_deferred
from server.push._dispatcher import PushDispatcher
from server.push._egress import Egress, EgressRefused
from server.push._errors import EndpointGone, InvalidSubscription, PushError, PushRejected, PushUnavailable
from server.push._gateway import Notice, PushGateway, PushMessage, Registration, Sender
from server.push._hook import created_notices, hand_over
from server.push._ntfy import NtfySender
from server.push._payload import NoticeContext, message_of, payload_of
from server.push._retry import RetryPolicy, parse_retry_after
from server.push._validate import EndpointPolicy
from server.push._vapid import Vapid, load_vapid
from server.push._webpush import WebPushSender
from server.security import RateLimiter
from server.settings import Settings

__all__ = [
    "Egress",
    "EgressRefused",
    "EndpointGone",
    "EndpointPolicy",
    "InvalidSubscription",
    "Notice",
    "NoticeContext",
    "NtfySender",
    "PushDispatcher",
    "PushError",
    "PushGateway",
    "PushMessage",
    "PushRejected",
    "PushService",
    "PushUnavailable",
    "Registration",
    "RetryPolicy",
    "Sender",
    "Vapid",
    "WebPushSender",
    "build_push",
    "created_notices",
    "hand_over",
    "load_vapid",
    "message_of",
    "parse_retry_after",
    "payload_of",
    "release_deferred",
]


# Test pushes a person may ask for: enough to try a few phones, too few to make the server a
# relay that POSTs at someone else's URL on demand.
TESTS_PER_WINDOW = 5
TEST_WINDOW_S = 60


@dataclass
class PushService:
    """What the server's routes need of push: the gateway, the VAPID key, the endpoint policy and
    the limit on test pushes (per user, in this process)."""

    gateway: PushDispatcher
    vapid: Vapid
    policy: EndpointPolicy
    test_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(TESTS_PER_WINDOW, TEST_WINDOW_S))

    def close(self) -> None:
        self.gateway.close()


def build_push(settings: Settings, db: Database) -> PushService:
    """Web Push (signed with the database's VAPID key) and ntfy. A sender for another kind goes in the senders map."""
    vapid = load_vapid(db.engine, settings.push_subject)
    egress = Egress(allow_loopback=settings.push_allow_loopback)
    gateway = PushDispatcher(
        db,
        {WebPushSender.kind: WebPushSender(vapid, egress=egress), NtfySender.kind: NtfySender(egress=egress)},
        ttl_s=settings.push_ttl_s,
        default_time_zone=settings.default_time_zone,
    )
    return PushService(gateway, vapid, EndpointPolicy.from_settings(settings.push_allow_loopback, settings.push_hosts))
