"""The engine's pure decisions: backoff delays, progress estimates, and what a push answer means.

No I/O and no clock: the runner gives these functions what the store holds and what the server
said, and performs what they decide. Tests drive them with plain values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from sync.errors import RateLimited, SyncError
from sync.store import OutboxEntry, lmid_verdict


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of min(cap, base·factorⁿ)."""

    base: float = 0.25
    factor: float = 2.0
    cap: float = 30.0

    def delay(self, attempt: int, rand: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * self.factor ** max(0, attempt))
        return ceiling / 2 + (rand or random).uniform(0, ceiling / 2)


def retry_delay(
    error: BaseException, attempt: int, backoff: Backoff, rand: random.Random | None = None
) -> float | None:
    """Seconds to wait before retrying after `error`, or None when retrying cannot help."""
    if not isinstance(error, SyncError) or not error.retryable:
        return None
    delay = backoff.delay(attempt, rand)
    if isinstance(error, RateLimited):
        return max(delay, error.retry_after)
    return delay


@dataclass(frozen=True)
class Progress:
    """Rows received so far and the estimated total (rows so far plus the server's `remaining`)."""

    rows: int
    total: int
    cursor: int
    done: bool

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.rows / self.total)


def page_size(page: dict[str, Any]) -> int:
    """How many rows a pull page carries, as v1 `changes` or compact `tables` (docs/protocol.md)."""
    return len(page.get("changes", [])) + sum(len(t["rows"]) for t in page.get("tables", []))


def progress_after(rows_before: int, page: dict[str, Any]) -> Progress:
    rows = rows_before + page_size(page)
    remaining = max(0, int(page.get("remaining", 0)))
    done = not page.get("has_more", False)
    return Progress(rows=rows, total=rows + (0 if done else remaining), cursor=int(page["cursor"]), done=done)


OutOfOrderPlan = Literal["resend", "new_client"]


def plan_out_of_order(server_lmid: int, batch: list[OutboxEntry], last_issued: int) -> OutOfOrderPlan:
    """After 409 out_of_order: resend (after marking entries up to the server's LMID answered) when the
    server's LMID falls inside this batch, otherwise start a new client_id. A server LMID below the
    batch means it lost mutations this device already dropped; above what we issued, the cache was
    restored from an older copy. Neither can be repaired under the same client_id."""
    first = batch[0].mutation_id if batch else last_issued + 1
    if lmid_verdict(server_lmid, last_issued=last_issued, first_unanswered=first) == "new_client":
        return "new_client"
    if not any(entry.mutation_id <= server_lmid for entry in batch):
        return "new_client"  # nothing to skip, so resending the same batch would meet the same 409
    return "resend"


def answered_up_to(server_lmid: int, batch: list[OutboxEntry]) -> dict[str, Any]:
    """A push answer that marks the batch's entries up to `server_lmid` as processed (their fate
    is unknown to us: the pull that follows brings the server's rows, which is all that matters)."""
    results = [{"mutation_id": e.mutation_id, "status": "duplicate"} for e in batch if e.mutation_id <= server_lmid]
    return {"last_mutation_id": server_lmid, "results": results}
