"""Passwords (argon2), access tokens (short-lived JWTs tied to a refresh family) and login rate limits."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import ApiError
from server.password_gate import PasswordGate


class Passwords:
    """argon2 hashing through a `PasswordGate`, so concurrent sign-ins cannot take the server's memory."""

    def __init__(self, time_cost: int, memory_kib: int, gate: PasswordGate | None = None) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self.gate = gate or PasswordGate()
        # Verifying against this for unknown emails makes both failures take the same time.
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        with self.gate.slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self.gate.slot():
            try:
                return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
            except (VerificationError, InvalidHashError):
                return False


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    family_id: str


class AccessTokens:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def issue(self, user_id: str, family_id: str) -> str:
        now = int(time.time())
        claims = {"sub": user_id, "fam": family_id, "iat": now, "exp": now + self.ttl_s, "typ": "access"}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub", "fam"]})
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "token_expired", "The access token expired; refresh it.") from None
        except jwt.PyJWTError:
            raise ApiError(401, "invalid_token", "The access token is not valid; sign in again.") from None
        if claims.get("typ") != "access" or not isinstance(claims["sub"], str) or not isinstance(claims["fam"], str):
            raise ApiError(401, "invalid_token", "The access token is not valid; sign in again.")
        return AccessClaims(claims["sub"], claims["fam"])


class RateLimiter:
    """Fixed-window counters in this process (a deployment of several processes limits per process)."""

    def __init__(self, limit: int, window_s: int, what: str = "sign-in attempts") -> None:
        self.limit = limit
        self.window_s = window_s
        self.what = what
        self._hits: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            start, count = self._hits.get(key, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            if count >= self.limit:
                retry = max(1, int(self.window_s - (now - start)) + 1)
                raise ApiError(
                    429,
                    "rate_limited",
                    f"Too many {self.what}; try again in {retry} seconds.",
                    headers={"Retry-After": str(retry)},
                )
            self._hits[key] = (start, count + 1)
            if len(self._hits) > 100_000:  # forget stale windows so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if now - v[0] < self.window_s}
