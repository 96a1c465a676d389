"""The optimistic effect of a protocol mutation on the view, through the families' applies.

`apply_recorded` runs both when an action is taken and when pending mutations are replayed on top
of fresh base rows. It returns the (entity, id) pairs the apply wrote, so a later rollback or
replay knows which rows to reset, and those plus what the effect depended on (see `_family`),
which the outbox keeps so that a rebase replays only the entries a change can reach.
"""

from __future__ import annotations

import sqlite3

from sync.store._family import Ctx, Touched
from sync.store._rows import Row
from sync.store.families import APPLY


def apply_recorded(
    conn: sqlite3.Connection, me: str, name: str, args: Row, now: str, *, sparse: bool = True
) -> tuple[Touched, Touched]:
    """Applies one mutation to the view; returns the rows it wrote, and those plus what it depended on
    (the outbox's `touched`). `sparse`: see `Ctx` (False only when no row waits for its base copy)."""
    ctx = Ctx(conn, me, now, sparse=sparse)
    APPLY[name](ctx, args)
    return ctx.touched, ctx.touched | ctx.deps
