"""The server's VAPID identity (RFC 8292): one P-256 key pair per database, made on first use.

The private key lives in `server_secrets` next to the JWT signing key, so every server process
of one database signs with the same key and the `applicationServerKey` that devices subscribed
with stays valid across restarts.
"""

from __future__ import annotations

import base64
import time

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.engine import Engine

from server.tables import server_secrets as secrets_table

SECRET_NAME = "vapid"
# RFC 8292 §2: `exp` at most 24 hours ahead; 12 leaves room for clocks that disagree.
TOKEN_LIFETIME_S = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Vapid:
    """Signs the `Authorization: vapid t=..., k=...` header for one push service origin."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, subject: str) -> None:
        self._key = private_key
        self.subject = subject
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = b64url(raw)  # the applicationServerKey devices subscribe with

    @classmethod
    def from_secret(cls, secret: str, subject: str) -> Vapid:
        scalar = int.from_bytes(b64url_decode(secret), "big")
        return cls(ec.derive_private_key(scalar, ec.SECP256R1()), subject)

    def authorization(self, audience: str, now: float | None = None) -> str:
        """The header value for a push to `audience` (the endpoint's scheme://host[:port])."""
        issued = int(time.time() if now is None else now)
        claims = {"aud": audience, "exp": issued + TOKEN_LIFETIME_S, "sub": self.subject}
        token = jwt.encode(claims, self._key, algorithm="ES256")
        return f"vapid t={token}, k={self.public_key}"


def new_secret() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def load_vapid(engine: Engine, subject: str) -> Vapid:
    """The database's VAPID key, made and stored if there is none (first process to get there wins)."""
    with engine.begin() as conn:
        secret = conn.execute(sa.select(secrets_table.c.value).where(secrets_table.c.name == SECRET_NAME)).scalar()
        if secret is None:
            conn.execute(_insert_ignore(engine, {"name": SECRET_NAME, "value": new_secret()}))
            secret = conn.execute(
                sa.select(secrets_table.c.value).where(secrets_table.c.name == SECRET_NAME)
            ).scalar_one()
    return Vapid.from_secret(str(secret), subject)


def _insert_ignore(engine: Engine, values: dict[str, str]) -> sa.Insert:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(secrets_table).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(secrets_table).values(**values).on_conflict_do_nothing()
