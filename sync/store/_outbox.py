"""The outbox and the rejection log: durable records of what the person did and what the server refused."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

import orjson

LmidVerdict = Literal["ok", "new_client"]


@dataclass(frozen=True)
class OutboxEntry:
    mutation_id: int
    name: str
    args: dict[str, Any]
    created_at: str
    state: str  # 'pending' (not yet answered) or 'applied' (answered, waiting for a pull to cover it)

    def wire(self) -> dict[str, Any]:
        return {"mutation_id": self.mutation_id, "name": self.name, "args": self.args}


@dataclass(frozen=True)
class Rejection:
    """A mutation the server refused, kept until the person dismisses it."""

    id: int
    mutation_id: int
    name: str
    args: dict[str, Any]
    code: str
    message: str
    details: list[Any]
    created_at: str
    rejected_at: str
    dismissed: bool


def entry_of(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(row["mutation_id"], row["name"], orjson.loads(row["args"]), row["created_at"], row["state"])


def rejection_of(row: sqlite3.Row) -> Rejection:
    return Rejection(
        id=row["id"],
        mutation_id=row["mutation_id"],
        name=row["name"],
        args=orjson.loads(row["args"]),
        code=row["code"],
        message=row["message"],
        details=orjson.loads(row["details"]),
        created_at=row["created_at"],
        rejected_at=row["rejected_at"],
        dismissed=bool(row["dismissed"]),
    )


def rejections_of(conn: sqlite3.Connection, *, include_dismissed: bool = False) -> list[Rejection]:
    """The rejection log in order (the dismissed ones too, when asked)."""
    where = "" if include_dismissed else " WHERE dismissed = 0"
    return [rejection_of(r) for r in conn.execute(f"SELECT * FROM rejected{where} ORDER BY id")]


def lmid_verdict(server_lmid: int, *, last_issued: int, first_unanswered: int | None) -> LmidVerdict:
    """Whether the server's last_mutation_id for our client_id fits what this device remembers.

    The server's LMID must lie between the last mutation we consider answered and the last we issued.
    Above it, the server has seen ids this device never issued (the cache was restored from a copy):
    our next mutations would be skipped as duplicates. Below the first unanswered entry minus one,
    the server lost mutations we already dropped: our next push would be out of order for ever.
    Either way the device takes a new client_id and renumbers what it still has to send.
    """
    if server_lmid > last_issued:
        return "new_client"
    if first_unanswered is not None and server_lmid < first_unanswered - 1:
        return "new_client"
    return "ok"
