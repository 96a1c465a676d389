"""A bound on the password hashes one server process computes at once.

Each argon2 hash holds `argon2_memory_kib` (64 MiB by default) for its length, so forty sign-ins at
once took 2.6 GiB. The gate lets `slots` hashes run (one per core: more would not finish sooner),
lets a few more requests wait briefly for a slot, and refuses the rest with 429 and `Retry-After`,
so sign-ins can take at most `slots` times the hash's memory, whatever arrives.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from server.errors import ApiError

RETRY_AFTER_S = 1
WAITERS_PER_SLOT = 4


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _busy() -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"The server is checking many passwords at once; try again in {RETRY_AFTER_S} second.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class PasswordGate:
    """At most `slots` hashes at once; up to `WAITERS_PER_SLOT` requests per slot wait `wait_s` for one.

    `active` and `peak` count the hashes running now and the most ever at once (for tests and logs).
    """

    def __init__(self, slots: int = 0, wait_s: float = 2.0) -> None:
        self.slots = slots or cores()
        self.wait_s = wait_s
        self._free = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._admitted = 0
        self._room = self.slots * (1 + WAITERS_PER_SLOT)
        self.active = 0
        self.peak = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Holds one slot for the hash in the `with` body; ApiError 429 when none comes in time."""
        with self._lock:
            if self._admitted >= self._room:
                raise _busy()
            self._admitted += 1
        try:
            if not self._free.acquire(timeout=self.wait_s):
                raise _busy()
            try:
                with self._lock:
                    self.active += 1
                    self.peak = max(self.peak, self.active)
                yield
            finally:
                with self._lock:
                    self.active -= 1
                self._free.release()
        finally:
            with self._lock:
                self._admitted -= 1
