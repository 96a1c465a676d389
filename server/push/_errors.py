"""The push package's one error tree: what a push service answered, and whether to try again.

Library and HTTP failures are mapped to these at one boundary (each sender's `send`), so the
dispatcher decides retries and removals from the class alone.
"""

from __future__ import annotations


class PushError(Exception):
    """A push that did not reach the push service, or that the service refused."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds the service asked us to wait (Retry-After)


class PushUnavailable(PushError):
    """The service is down, overloaded (5xx, 429) or unreachable: try again later."""

    retryable = True


class EndpointGone(PushError):
    """The subscription has expired or never existed (404, 410): forget the endpoint."""


class InvalidSubscription(PushError):
    """The stored subscription cannot be used at all (its keys do not encrypt): forget the endpoint."""


class PushRejected(PushError):
    """The service refused this message (400, 401, 403, 413, ...): retrying would not help."""
