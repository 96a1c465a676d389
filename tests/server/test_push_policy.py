"""The push decisions that need no server: backoff, Retry-After, payload size, and what the receiver checks."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from server.push import Notice, NoticeContext, Registration, RetryPolicy, Vapid, message_of, parse_retry_after
from server.push._webpush import encrypt
from tests.server.push_receiver import b64url, decrypt_aes128gcm, verify_vapid


def test_backoff_doubles_with_jitter_up_to_a_cap_and_a_last_try() -> None:
    policy = RetryPolicy(attempts=8, base_s=1.0, cap_s=10.0)
    rng = random.Random(1)
    for retry, ceiling in enumerate([1, 2, 4, 8, 10, 10, 10]):
        for _ in range(50):
            delay = policy.delay(retry, None, rng)
            assert delay is not None and ceiling / 2 <= delay <= ceiling
    assert policy.delay(7, None, rng) is None  # the eighth try was the last


def test_retry_after_is_a_floor_and_too_long_a_wait_gives_up() -> None:
    policy = RetryPolicy(max_retry_after_s=600)
    rng = random.Random(2)
    assert policy.delay(0, 30.0, rng) == 30.0
    assert (policy.delay(0, 0.0, rng) or 0) >= 0.25  # never sooner than the backoff
    assert policy.delay(0, 601.0, rng) is None


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_urgency_follows_the_kind_and_long_titles_are_cut() -> None:
    def notice(kind: str, title: str = "任务") -> Notice:
        return Notice("n", "u", kind, title, "t", "p", "a", "2026-11-23T08:00:00.000000Z")

    assert message_of(notice("mentioned"), NoticeContext(), 60).urgency == "high"
    assert message_of(notice("assigned"), NoticeContext(), 60).urgency == "high"
    assert message_of(notice("commented"), NoticeContext(), 60).urgency == "normal"
    longest = message_of(notice("mentioned", "长" * 500), NoticeContext("ABCDEFGHIJ-999999", "名" * 200), 60)
    assert len(longest.payload) < 3993  # one RFC 8291 record


def test_the_server_encryption_and_signature_pass_the_receivers_checks() -> None:
    subscriber = ec.generate_private_key(ec.SECP256R1())
    auth = secrets.token_bytes(16)
    point = subscriber.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    registration = Registration("r", "u", "webpush", "https://push.example.com/x", b64url(point), b64url(auth))
    body = encrypt(registration, b'{"hello": "\xe4\xbd\xa0\xe5\xa5\xbd"}')
    assert decrypt_aes128gcm(body, subscriber, auth) == '{"hello": "你好"}'.encode()

    vapid = Vapid(ec.generate_private_key(ec.SECP256R1()), "mailto:ops@example.com")
    origin, now = "https://push.example.com", 1_800_000_000.0
    claims = verify_vapid(vapid.authorization(origin, now), origin, vapid.public_key, now)
    assert claims["sub"] == "mailto:ops@example.com"
    with pytest.raises(AssertionError, match="aud"):  # another origin's token is refused
        verify_vapid(vapid.authorization("https://other.example.com", now), origin, vapid.public_key, now)
    with pytest.raises(AssertionError, match="exp"):  # so is an expired one
        verify_vapid(vapid.authorization(origin, now - 13 * 3600), origin, vapid.public_key, now)
    other = Vapid(ec.generate_private_key(ec.SECP256R1()), "mailto:ops@example.com")
    with pytest.raises(AssertionError, match="applicationServerKey"):  # and one signed by another key
        verify_vapid(other.authorization(origin, now), origin, vapid.public_key, now)
    forged = other.authorization(origin, now).replace(other.public_key, vapid.public_key)
    with pytest.raises(AssertionError, match="signature"):  # a token whose k was swapped
        verify_vapid(forged, origin, vapid.public_key, now)
