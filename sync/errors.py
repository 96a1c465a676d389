"""The client's one error tree: every library error is mapped to these at one boundary (the Remote).

Each error knows whether retrying the same request later may succeed (`retryable`).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "CursorExpired",
    "DependencyCycle",
    "InvalidMutation",
    "NetworkError",
    "NotSignedIn",
    "OutOfOrder",
    "RateLimited",
    "ServerError",
    "SyncError",
]


class SyncError(Exception):
    """Anything the sync client reports."""

    retryable: bool = False


class InvalidMutation(SyncError, ValueError):
    """A store action whose arguments the protocol would refuse; nothing was written."""


class DependencyCycle(InvalidMutation):
    """A `blocks` link that would close a loop of blocking tasks (the server's `dependency_cycle`),
    refused by the store before it reaches the outbox."""

    code = "dependency_cycle"


class NetworkError(SyncError):
    """The server could not be reached, or the connection broke mid-request."""

    retryable = True


class ApiError(SyncError):
    """The server answered with the protocol's error body."""

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


class ServerError(ApiError):
    """A 5xx: a server bug or an overloaded proxy; worth retrying with backoff."""

    retryable = True


class RateLimited(ApiError):
    """429: wait `retry_after` seconds."""

    retryable = True

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None, retry_after: float) -> None:
        super().__init__(status, code, message, details)
        self.retry_after = retry_after


class NotSignedIn(ApiError):
    """No usable credentials (none stored, or the refresh token was spent or revoked): sign in again."""


class CursorExpired(ApiError):
    """410: the cursor is unknown to the server; reset the cache (keeping the outbox) and pull from 0."""


class OutOfOrder(ApiError):
    """409 on push: a gap in mutation ids; `last_mutation_id` is the server's."""

    @property
    def last_mutation_id(self) -> int:
        for detail in self.details:
            if isinstance(detail, dict) and isinstance(detail.get("last_mutation_id"), int):
                return int(detail["last_mutation_id"])
        return 0
