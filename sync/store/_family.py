"""What a family module (`sync/store/families/`) is made of: optimistic applies, which write through
a `Ctx`, and a `Family` mixin holding the family's queries and actions.

An apply mirrors the server's rules for one mutation on the view. It records the rows it wrote
(`touched`) and what it depended on (`deps`), which the outbox keeps so that a rebase replays only
the pending mutations a pull or a rollback can affect (see `_replay.rebase`):
- rows: every row written, and every row read by id (found or not);
- ranges, as ("r:<range>", key) for a range the mutation read and ("w:<range>", key) for a range
  its writes changed (before and after). The ranges are the reads that are not by id, declared
  with the entity (`sync.entities.RANGES`): `column` (a status's cards: a new card goes after the
  last one), `statuses` (a project's statuses: the default one, the last position), `children` (a
  task's subtasks), `of_task` (a task's comments and watches), `unread` (a user's notifications),
  `in_iteration` (an iteration's tasks) and `links` (the links from or to a task).
Anything the server would reject (a missing row, say) is a no-op here: the server's answer
decides, and a rejection rolls the change back.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sync.entities import RANGES
from sync.store._rows import Row, decode, fetch, keep_base, update_view, write_view

Touched = set[tuple[str, str]]


def ranges_written(entity: str, row: Any) -> Touched:
    """The ("w:<range>", key) keys of the ranges a version of this row belongs to."""
    out: Touched = set()
    for name, column in RANGES.get(entity, ()):
        value = row[column]
        if value is not None:
            out.add((f"w:{name}", str(value)))
    return out


class Ctx:
    """One apply's view of the cache: reads and writes that record what the apply depended on."""

    def __init__(self, conn: sqlite3.Connection, me: str, now: str, *, sparse: bool = True) -> None:
        self.conn, self.me, self.now = conn, me, now
        # Whether a bootstrap left rows without their base copy (`keep_base` makes it); a cache
        # whose base is complete skips that INSERT OR IGNORE, which would find the copy there.
        self.sparse = sparse
        self.touched: Touched = set()  # rows written
        self.deps: Touched = set()  # rows read by id, and ranges read ("r:…") and written ("w:…")
        self._read: dict[tuple[str, str], sqlite3.Row | None] = {}  # rows as `get` found them, until written

    def read_range(self, name: str, key: Any) -> None:
        self.deps.add((f"r:{name}", str(key)))

    def get(self, entity: str, row_id: Any) -> Row | None:
        self.deps.add((entity, str(row_id)))
        row = fetch(self.conn, entity, str(row_id))
        self._read[(entity, str(row_id))] = row
        if row is None:
            return None
        if self.sparse and not row["pending"]:  # a rebase resets what an apply read: its base must be there
            keep_base(self.conn, entity, row)
        out = decode(entity, row)
        out.pop("pending", None)
        return out

    def put(self, entity: str, row: Row) -> None:
        key = (entity, row["id"])
        if key in self._read:  # as `get` found it, and kept its base
            old = self._read.pop(key)
        else:
            old = fetch(self.conn, entity, row["id"])
            if self.sparse and old is not None and not old["pending"]:
                keep_base(self.conn, entity, old)
        if old is not None and entity in RANGES:
            self.deps |= ranges_written(entity, old)
        if entity in RANGES:
            self.deps |= ranges_written(entity, row)
        if old is None:
            write_view(self.conn, entity, row, pending=True)
        else:
            update_view(self.conn, entity, old, row)
        self.touched.add(key)

    def delete(self, entity: str, row_id: str) -> None:
        self._read.pop((entity, row_id), None)
        old = fetch(self.conn, entity, row_id)
        if old is not None:
            if self.sparse and not old["pending"]:
                keep_base(self.conn, entity, old)
            if entity in RANGES:
                self.deps |= ranges_written(entity, old)
        self.conn.execute(f"DELETE FROM {entity} WHERE id = ?", (row_id,))
        self.touched.add((entity, row_id))

    def update(self, entity: str, row_id: Any, values: Row) -> Row | None:
        row = self.get(entity, row_id)
        if row is None:
            return None
        row.update(values)
        self.put(entity, row)
        return row


Apply = Callable[[Ctx, Row], None]  # a mutation's optimistic effect on the view
Check = Callable[[Row], str | None]  # why the server would refuse these (model-valid) args, or None


class Family:
    """A family's queries and actions, mixed into the store's app face (`_app_face.AppStore`).

    `APPLY` maps each mutation the family owns to its optimistic apply; `CHECKS` holds the rules of
    its args that the protocol models cannot express (the store refuses those before the outbox).
    """

    APPLY: ClassVar[Mapping[str, Apply]] = {}
    CHECKS: ClassVar[Mapping[str, Check]] = {}

    conn: sqlite3.Connection
    _writer: threading.RLock  # write transactions, one at a time (`StoreBase`)

    def mutate(self, name: str, args: dict[str, Any]) -> int:
        """Applies a protocol mutation optimistically and queues it (`AppStore.mutate`)."""
        raise NotImplementedError

    def _rows(self, entity: str, sql: str, params: Any = ()) -> list[Row]:
        return [decode(entity, r) for r in self.conn.execute(sql, params)]

    def _row(self, entity: str, sql: str, params: Any = ()) -> Row | None:
        rows = self._rows(entity, sql, params)
        return rows[0] if rows else None
