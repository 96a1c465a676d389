"""A Web Push service on loopback, standing in for a phone's: it checks and decrypts what the server sends.

It does what a real push service and the browser behind it do, written from the RFCs rather than
with the library the server uses, so the two are checked against each other:

- RFC 8292: the `Authorization: vapid t=<JWT>, k=<key>` header must carry an ES256 JWT signed by
  `k`, `k` must be the applicationServerKey the subscription was made with, `aud` the endpoint's
  origin, `exp` in the future (and at most 24 h ahead), `sub` a mailto: or https: URI.
- RFC 8291 / RFC 8188: the aes128gcm body is decrypted with the subscriber's private key and
  auth secret.
- RFC 8030: `TTL` is required, `Urgency` must be one of its four values; a delivery is answered
  201 with a Location, or with whatever a test scripted (404, 410, 429 with Retry-After, 500, ...).

    with PushReceiver() as receiver:
        device = receiver.subscribe(application_server_key)
        ...register device.endpoint, device.keys with the server...
        [delivery] = device.wait_for(1)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.server.loopback_service import LoopbackService, Mailbox

URGENCIES = ("very-low", "low", "normal", "high")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def decrypt_aes128gcm(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """RFC 8291 §3.4 key derivation, then RFC 8188 records (each: ciphertext, 16-byte tag, padding)."""
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    sender_public = body[21 : 21 + idlen]
    records = body[21 + idlen :]
    assert len(salt) == 16 and rs >= 18 and idlen == 65, "bad aes128gcm header"
    ua_public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
    shared = private_key.exchange(ec.ECDH(), sender)
    # HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0 || ua_public || as_public, 32)
    prk_key = _hmac(auth_secret, shared)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + sender_public + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    base_nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    plain = b""
    chunks = [records[i : i + rs] for i in range(0, len(records), rs)]
    for seq, chunk in enumerate(chunks):
        nonce = (int.from_bytes(base_nonce, "big") ^ seq).to_bytes(12, "big")
        record = AESGCM(cek).decrypt(nonce, chunk, None).rstrip(b"\x00")
        last = seq == len(chunks) - 1
        assert record[-1:] == (b"\x02" if last else b"\x01"), "bad record delimiter"
        plain += record[:-1]
    return plain


def verify_vapid(header: str, audience: str, expected_key: str, now: float) -> dict[str, Any]:
    """The claims of a valid VAPID Authorization header; AssertionError saying why otherwise."""
    scheme, _, params = header.partition(" ")
    assert scheme.lower() == "vapid", f"not a vapid Authorization: {scheme!r}"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    assert key == expected_key, "k is not the applicationServerKey the subscription was made with"
    head, claims_part, signature = token.split(".")
    assert json.loads(unb64url(head)).get("alg") == "ES256", "the JWT is not ES256"
    raw = unb64url(signature)
    assert len(raw) == 64, "an ES256 signature is r || s, 64 bytes"
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    try:
        public.verify(der, f"{head}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID signature does not verify with k") from None
    claims: dict[str, Any] = json.loads(unb64url(claims_part))
    assert claims.get("aud") == audience, f"aud {claims.get('aud')!r} is not {audience!r}"
    assert now < claims["exp"] <= now + 24 * 3600 + 60, "exp is not within the next 24 hours"
    assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), "sub is not a mailto: or https: URI"
    return claims


@dataclass(kw_only=True)
class Device(Mailbox):
    """A push subscription, as a browser makes one: its endpoint and keys, and what reached it."""

    token: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)
    delivered: int = 201

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}/push/{self.token}"

    @property
    def keys(self) -> dict[str, str]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}


class PushReceiver(LoopbackService):
    """A Web Push service holding devices' subscriptions."""

    def __init__(self) -> None:
        super().__init__()
        self.devices: dict[str, Device] = {}

    def subscribe(self, application_server_key: str) -> Device:
        key = ec.generate_private_key(ec.SECP256R1())
        token = secrets.token_urlsafe(24)
        device = Device(
            service=self,
            token=token,
            application_server_key=application_server_key,
            private_key=key,
            auth_secret=secrets.token_bytes(16),
        )
        self.devices[token] = device
        return device

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        device = self.devices.get(path.removeprefix("/push/"))
        if device is None:
            return 404, {}, b""
        status, extra = device.next_answer()
        payload = None
        try:
            assert headers.get("content-encoding") == "aes128gcm", "Content-Encoding is not aes128gcm"
            assert headers.get("ttl", "").isdigit(), "TTL is missing"
            assert headers.get("urgency", "normal") in URGENCIES, "Urgency is not an RFC 8030 value"
            verify_vapid(headers.get("authorization", ""), self.origin, device.application_server_key, time.time())
            payload = json.loads(decrypt_aes128gcm(body, device.private_key, device.auth_secret))
        except Exception as exc:  # the server sent something a real service or browser would refuse
            device.problems.append(f"{type(exc).__name__}: {exc}")
            status, extra = 400, {}
        device.record(status, payload, headers)
        if status == 201:
            extra = {"Location": f"{self.origin}/message/{secrets.token_hex(8)}"}
        return status, extra, b""
