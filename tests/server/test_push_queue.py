"""A push queues its task writes and takes its savepoints lazily (`Raw.defer`): a rejected mutation
must still take back exactly its own writes, whether its savepoint was taken or not, and every
statement (ours or SQLAlchemy's) must see the writes queued before it."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from server.feed import Tx
from server.tables import tasks
from tests.factories import Api


def _title(conn: sa.Connection, task_id: str) -> str:
    return str(conn.execute(sa.select(tasks.c.title).where(tasks.c.id == task_id)).scalar_one())


def test_a_rolled_back_mutation_takes_back_only_its_own_queued_writes(app: FastAPI, api: Api) -> None:
    alice = api.person("Alice")
    pid = alice.project()["id"]
    a, b = alice.task(pid, "甲"), alice.task(pid, "乙")
    db = app.state.services.db
    with db.write() as conn:
        raw = Tx(conn).raw
        raw.defer()
        first = raw.savepoint()  # applied: its write stays queued, no savepoint is ever taken
        raw.update(tasks, a, {"title": "一"})
        raw.release(first)
        second = raw.savepoint()  # rejected before anything ran: its queued write is dropped
        raw.update(tasks, b, {"title": "二"})
        raw.rollback_to(second)
        third = raw.savepoint()  # rejected after a read ran inside it: the savepoint was taken then
        raw.update(tasks, b, {"title": "三"})
        assert _title(conn, b) == "三"  # SQLAlchemy's statement sees the queued write
        assert _title(conn, a) == "一"
        raw.update(tasks, a, {"title": "四"})  # queued after the savepoint was taken
        raw.rollback_to(third)
        raw.flush()
        assert (_title(conn, a), _title(conn, b)) == ("一", "乙")
    with db.read() as conn:
        assert (_title(conn, a), _title(conn, b)) == ("一", "乙")
