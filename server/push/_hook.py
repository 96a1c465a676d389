"""Where notifications meet push: find the ones a transaction created, hand them over after commit.

A writer transaction publishes every row it changes to the feed with a `seq` above the one it
started from; the notifications among them that are live and unread are the ones it created (a
read or a tombstone is never news). Reading them back from the feed just before commit, instead
of collecting them as they are made, means a mutation rolled back to its savepoint takes its
notifications with it, and any future way of creating notifications is covered too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import orjson

from server.feed import Tx
from server.push._gateway import Notice, PushGateway

log = logging.getLogger("keel.push")


def created_notices(tx: Tx, start_seq: int) -> list[Notice]:
    """The notifications this transaction created (published above `start_seq`), read before it commits."""
    if tx.seq <= start_seq or not any(scope.startswith(("u:", "n")) for scope in tx.scopes):
        return []  # nothing private was published: no notification either
    rows = tx.raw.execute(
        "SELECT body FROM feed WHERE seq > :a AND seq <= :b AND entity = 'notification' AND deleted = :f ORDER BY seq",
        {"a": start_seq, "b": tx.seq, "f": False},
    ).fetchall()
    notices = []
    for (body,) in rows:
        row = orjson.loads(body)
        if row.get("read_at") is None:
            notices.append(Notice.from_row(row))
    return notices


def hand_over(gateway: PushGateway | None, notices: Iterable[Notice]) -> None:
    """Gives committed notifications to the gateway; a push failure never fails what was committed."""
    if gateway is None:
        return
    for notice in notices:
        try:
            gateway.deliver(notice.user_id, notice)
        except Exception:
            log.exception("the push gateway refused notification %s", notice.id)
