"""People: the user rows this device may see (members of my projects, and me), and the rule that
forgets the others at the end of a pull."""

from __future__ import annotations

import sqlite3

from sync.store._family import Family, Touched
from sync.store._rows import Row


def forget_strangers(conn: sqlite3.Connection, me: str) -> Touched:
    """Drops the user rows of people who no longer share a project with me.

    A user row is visible only while a project is shared (PROTOCOL.md), but losing that sends no
    tombstone: the row itself did not change. At the end of a pull (a page without `has_more`,
    never mid-bootstrap, where a member row may come a page after its user row) the base holds
    every member row we may see, so any other user but ourselves is a stranger now.
    """
    rows = conn.execute(
        "SELECT id FROM base_user WHERE id != ? AND id NOT IN (SELECT user_id FROM base_member)", (me,)
    ).fetchall()
    ids = [(str(r["id"]),) for r in rows]
    if ids:
        conn.executemany("DELETE FROM base_user WHERE id = ?", ids)
        conn.executemany("DELETE FROM user WHERE id = ?", ids)
    return {("user", i) for (i,) in ids}


class People(Family):
    def me(self) -> Row | None:
        return self._row("user", "SELECT * FROM user WHERE id = (SELECT value FROM meta WHERE key = 'user_id')")

    def user(self, user_id: str) -> Row | None:
        return self._row("user", "SELECT * FROM user WHERE id = ?", (user_id,))

    def users(self) -> list[Row]:
        """Every person this device may see (members of my projects, and me)."""
        return self._rows("user", "SELECT * FROM user ORDER BY display_name, id")

    def user_by_email(self, email: str) -> Row | None:
        return self._row("user", "SELECT * FROM user WHERE email = ?", (email.strip().lower(),))
