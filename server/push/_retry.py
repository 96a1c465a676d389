"""When to try a push again: exponential backoff with jitter, and the service's Retry-After.

Pure functions of their inputs (the random source and the current time are passed in), so the
schedule is tested without waiting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # tries in all, the first one included
    base_s: float = 0.5
    cap_s: float = 60.0
    # A service asking for a longer wait than this is not waited for (the push is dropped).
    max_retry_after_s: float = 3600.0

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before retry number `retry` (0 for the first), or None to give up.

        The backoff doubles from `base_s` up to `cap_s`, jittered over its upper half ("equal
        jitter"), so many devices failing at once do not come back at once. A Retry-After is a floor.
        """
        if retry + 1 >= self.attempts:
            return None
        ceiling = min(self.cap_s, self.base_s * 2**retry)
        backoff = ceiling / 2 + rng.uniform(0, ceiling / 2)
        if retry_after is None:
            return backoff
        if retry_after > self.max_retry_after_s:
            return None
        return max(retry_after, backoff)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
