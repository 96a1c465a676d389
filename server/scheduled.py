"""One run of a server-side job that notifies (reminders, `at_risk`): its own write transaction,
with the scheduler acting as no one, the users to poke, and the new notifications handed to push."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from server.db import Database
from server.feed import Tx
from server.mutations.context import Ctx
from server.push import PushGateway, created_notices, hand_over


def run_scheduled(
    db: Database, now: datetime, work: Callable[[Ctx], int], gateway: PushGateway | None = None
) -> tuple[int, set[str], int]:
    """Runs `work` (which returns how many notifications it made) in one transaction at `now`;
    returns that count, whom to poke and the new cursor. Once committed, the new notifications go
    to `gateway`."""
    with db.write() as conn:
        tx = Tx(conn)
        start_seq = tx.seq
        created = work(Ctx(tx, actor="", now=now))
        notices = created_notices(tx, start_seq) if gateway is not None and created else []
        audience = tx.finish()
        cursor = tx.seq
        if tx.changed and not db.sqlite:
            db.notify_in_tx(conn, audience, cursor)
    hand_over(gateway, notices)
    return created, audience, cursor
