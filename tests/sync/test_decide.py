"""The engine's pure decisions, with plain values and no sockets."""

from __future__ import annotations

import random

from sync.engine import Backoff, plan_out_of_order, progress_after, retry_delay
from sync.engine._decide import answered_up_to
from sync.errors import ApiError, NetworkError, NotSignedIn, RateLimited, ServerError
from sync.store import OutboxEntry, lmid_verdict


def entries(*ids: int) -> list[OutboxEntry]:
    return [OutboxEntry(i, "task.delete", {"id": str(i)}, "2025-01-01T00:00:00.000000Z", "pending") for i in ids]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff, rand = Backoff(base=0.5, factor=2, cap=8), random.Random(7)
    for attempt, ceiling in [(0, 0.5), (1, 1), (2, 2), (3, 4), (4, 8), (10, 8)]:
        delays = {backoff.delay(attempt, rand) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered, so clients that failed together do not retry together


def test_retry_delay_only_for_retryable_errors() -> None:
    backoff = Backoff(base=1, cap=1)
    assert retry_delay(NetworkError("down"), 0, backoff) is not None
    assert retry_delay(ServerError(503, "unavailable", "busy"), 0, backoff) is not None
    assert retry_delay(RateLimited(429, "rate_limited", "slow", None, retry_after=12), 0, backoff) == 12
    assert retry_delay(ApiError(422, "validation_error", "bad"), 0, backoff) is None
    assert retry_delay(NotSignedIn(401, "invalid_refresh_token", "again"), 0, backoff) is None
    assert retry_delay(ValueError("bug"), 0, backoff) is None


def test_progress_estimates_total_from_remaining() -> None:
    first = progress_after(0, {"cursor": 10, "has_more": True, "remaining": 25, "changes": [{}] * 10})
    assert (first.rows, first.total, first.done, first.fraction) == (10, 35, False, 10 / 35)
    last = progress_after(first.rows, {"cursor": 40, "has_more": False, "remaining": 0, "changes": [{}] * 25})
    assert (last.rows, last.total, last.done, last.fraction, last.cursor) == (35, 35, True, 1.0, 40)


def test_lmid_verdict() -> None:
    assert lmid_verdict(5, last_issued=5, first_unanswered=None) == "ok"
    assert lmid_verdict(3, last_issued=5, first_unanswered=4) == "ok"  # 4 and 5 still to send
    assert lmid_verdict(6, last_issued=5, first_unanswered=None) == "new_client"  # restored cache
    assert lmid_verdict(1, last_issued=5, first_unanswered=4) == "new_client"  # server lost 2 and 3


def test_out_of_order_plan() -> None:
    # The server processed 4 of a batch 4..6 whose answer was lost: skip 4, resend the rest.
    assert plan_out_of_order(4, entries(4, 5, 6), last_issued=6) == "resend"
    assert answered_up_to(4, entries(4, 5, 6)) == {
        "last_mutation_id": 4,
        "results": [{"mutation_id": 4, "status": "duplicate"}],
    }
    # The server is behind what this device already dropped, or ahead of anything it issued.
    assert plan_out_of_order(1, entries(4, 5), last_issued=5) == "new_client"
    assert plan_out_of_order(9, entries(4, 5), last_issued=5) == "new_client"
    # Nothing in the batch is at or below the server's LMID: resending cannot help.
    assert plan_out_of_order(3, entries(4, 5), last_issued=5) == "new_client"
