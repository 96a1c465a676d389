"""Subtask chains are at most MAX_TASK_DEPTH levels deep, and checking a parent costs one bounded
statement: one member's deep chains never cost another member's push more than its share of the
writer (issue 9, defect 4). Work is counted in SQL statements, not seconds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from sync.protocol import MAX_TASK_DEPTH
from tests.factories import Api, Person, new_id, rows


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    """Every SQL statement the server sends its database meanwhile, seen by the driver (the push's
    hot path uses DB-API cursors directly, below SQLAlchemy's own events)."""
    seen: list[str] = []
    engine = app.state.services.db.engine
    watched: list[Any] = []

    def watch(dbapi_conn: Any, *_: Any) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_conn.set_trace_callback(seen.append)
        else:
            dbapi_conn.cursor_factory = _counting_cursor(seen)
        watched.append(dbapi_conn)

    sa.event.listen(engine, "checkout", watch)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "checkout", watch)
        for conn in watched:
            if engine.dialect.name == "sqlite":
                conn.set_trace_callback(None)
            else:
                import psycopg

                conn.cursor_factory = psycopg.Cursor


def _counting_cursor(seen: list[str]) -> type:
    import psycopg

    class Counting(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
            seen.append(str(query))
            return super().execute(query, params, **kw)

        def executemany(self, query: Any, params_seq: Any, **kw: Any) -> Any:
            seen.append(str(query))
            return super().executemany(query, params_seq, **kw)

    return Counting


def _chain(person: Person, pid: str, levels: int) -> list[str]:
    """Tasks nested `levels` deep, top first."""
    chain = [person.task(pid, "level 1")]
    for level in range(2, levels + 1):
        chain.append(person.task(pid, f"level {level}", parent_id=chain[-1]))
    return chain


def test_a_subtask_chain_stops_at_the_depth_limit(api: Api) -> None:
    alice = api.person("Alice")
    pid = alice.project()["id"]
    chain = _chain(alice, pid, MAX_TASK_DEPTH)
    too_deep = {"id": new_id(), "project_id": pid, "title": "too deep", "parent_id": chain[-1]}
    error = alice.rejected("task.create", too_deep, "invalid_parent")
    assert str(MAX_TASK_DEPTH) in error["message"]
    # Moving a subtree counts its own height: a two-level subtree fits under level MAX - 2 only.
    top, child = _chain(alice, pid, 2)
    alice.rejected("task.update", {"id": top, "set": {"parent_id": chain[-2]}}, "invalid_parent")
    alice.ok("task.update", {"id": top, "set": {"parent_id": chain[-3]}})
    assert rows(alice.pull_all()[0], "task")[child]["parent_id"] == top
    # Cycles are refused as before, however the move is made.
    alice.rejected("task.update", {"id": chain[0], "set": {"parent_id": chain[2]}}, "invalid_parent")
    alice.rejected("task.update", {"id": chain[1], "set": {"parent_id": chain[1]}}, "invalid_parent")


def _creates(person: Person, pid: str, n: int, parent: str | None) -> list[tuple[str, dict[str, Any]]]:
    extra = {"parent_id": parent} if parent else {}
    return [("task.create", {"id": new_id(), "project_id": pid, "title": f"t{i}", **extra}) for i in range(n)]


def test_a_parent_check_costs_one_statement_whatever_the_depth(api: Api, app: Any) -> None:
    """A member who nests as deep as allowed makes the writer do one statement more per create than
    an unrelated member making flat tasks in another project: that member's push waits for the
    hostile one's own share of work, never for work that grows with the chain."""
    hostile, other = api.person("Hostile"), api.person("Other")
    hostile_pid, other_pid = hostile.project()["id"], other.project()["id"]
    deepest_parent = _chain(hostile, hostile_pid, MAX_TASK_DEPTH - 1)[-1]
    n = 100
    with statements(app) as flat:
        assert {r["status"] for r in other.push(*_creates(other, other_pid, n, None))["results"]} == {"applied"}
    with statements(app) as deep:
        assert {r["status"] for r in hostile.push(*_creates(hostile, hostile_pid, n, deepest_parent))["results"]} == {
            "applied"
        }
    assert len(deep) <= len(flat) + n, (len(deep), len(flat))
    # Attempts beyond the limit are refused by that same one statement.
    too_deep = rows(hostile.pull_all()[0], "task")
    leaf = next(t["id"] for t in too_deep.values() if t["parent_id"] == deepest_parent)
    with statements(app) as refused:
        results = hostile.push(*_creates(hostile, hostile_pid, n, leaf))["results"]
    assert {r["error"]["code"] for r in results} == {"invalid_parent"}
    assert len(refused) <= len(flat) + n, (len(refused), len(flat))


def test_chains_stored_before_the_limit_cost_no_more(api: Api, app: Any) -> None:
    """A server attacked before the limit may hold chains hundreds deep: a create under one is refused
    after a bounded walk, and deleting its top still takes every task below it."""
    hostile = api.person("Hostile")
    pid = hostile.project()["id"]
    top = hostile.task(pid, "top")
    legacy = _legacy_chain(app, top, 300)
    with statements(app) as flat:
        hostile.push(*_creates(hostile, pid, 10, None))
    with statements(app) as deep:
        results = hostile.push(*_creates(hostile, pid, 10, legacy[-1]))["results"]
    assert {r["error"]["code"] for r in results} == {"invalid_parent"}
    assert len(deep) <= len(flat) + 10, (len(deep), len(flat))
    hostile.rejected("task.update", {"id": legacy[100], "set": {"parent_id": legacy[50]}}, "invalid_parent")
    with statements(app) as deleting:
        hostile.ok("task.delete", {"id": top})
    assert sum("tasks" in s and "RECURSIVE" in s.upper() for s in deleting) == 1  # one walk, not one per level
    live = [t for t in rows(hostile.pull_all()[0], "task").values() if not t["deleted"]]
    assert [t["title"] for t in live] == [f"t{i}" for i in range(10)]


def _legacy_chain(app: Any, top: str, length: int) -> list[str]:
    """`length` tasks nested under `top`, written straight to the table (as an older server allowed)."""
    engine = app.state.services.db.engine
    with engine.begin() as conn:
        row = dict(conn.execute(sa.text("SELECT * FROM tasks WHERE id = :id"), {"id": top}).mappings().one())
        chain, parent = [], top
        for i in range(length):
            tid = new_id()
            conn.execute(sa.text(_insert_sql(row)), {**row, "id": tid, "parent_id": parent, "number": 10_000 + i})
            chain.append(tid)
            parent = tid
    return chain


def _insert_sql(row: dict[str, Any]) -> str:
    return f"INSERT INTO tasks ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"
