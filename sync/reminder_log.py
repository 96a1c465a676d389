"""The reminder log's storage: what went out on this device, what the server already said, snoozes
and each person's reminder settings, in `reminders.db` beside the store (never in the sync store's
tables: it is this device's memory, not synced data, and it survives a cache rebuild). The app's
reminders (app/reminders/log.py) speak reminders and times; this file speaks keys and rows.

Keys are (task_id, due_at, lead): a due time is spelled by `app.reminders.schedule.time_key`, a
lead in seconds; a digest is keyed by its local date (ISO).
Claiming a reminder writes it before it is shown, in one transaction that fails when it is already
there, so two app processes on one data directory never show the same reminder, and a crash
between the two loses at most that one reminder rather than showing it twice.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sync.store import immediate

LOG_FILE = "reminders.db"
SCHEMA_VERSION = 1
SNOOZED = 0  # the lead column of "a snoozed reminder went out" (real leads are above 0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fired (
    task_id TEXT NOT NULL, due_at TEXT NOT NULL, lead_s INTEGER NOT NULL, fired_at TEXT NOT NULL,
    PRIMARY KEY (task_id, due_at, lead_s)
);
CREATE TABLE IF NOT EXISTS server_due_soon (
    task_id TEXT NOT NULL, due_at TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (task_id, due_at)
);
CREATE TABLE IF NOT EXISTS snooze (
    task_id TEXT NOT NULL, due_at TEXT NOT NULL, until TEXT NOT NULL, fired_at TEXT,
    PRIMARY KEY (task_id, due_at)
);
CREATE TABLE IF NOT EXISTS digest (day TEXT PRIMARY KEY, fired_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (user_id TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


Fired = frozenset[tuple[str, str, int]]


class ReminderLogFile:
    """One data directory's reminder log file. Use it from one thread (the app's event loop)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise RuntimeError(f"{self.path} was written by a newer Keel (schema {version})")
        with self._tx():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @classmethod
    def open(cls, data_dir: str | Path) -> ReminderLogFile:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory / LOG_FILE)

    def close(self) -> None:
        self.conn.close()

    def _tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate(self.conn)

    # --- what the schedule reads -------------------------------------------------------------------

    def fired(self) -> Fired:
        rows = self.conn.execute("SELECT task_id, due_at, lead_s FROM fired")
        return frozenset((str(t), str(d), int(lead)) for t, d, lead in rows)

    def snoozes(self) -> list[tuple[str, str, str]]:
        """(task_id, due key, until) of the snoozes still to go off."""
        return list(self.conn.execute("SELECT task_id, due_at, until FROM snooze WHERE fired_at IS NULL"))

    def server_due_soon(self) -> list[tuple[str, str, str]]:
        """(task_id, due key, when the server made it) of the server's `due_soon` reminders."""
        return list(self.conn.execute("SELECT task_id, due_at, created_at FROM server_due_soon"))

    def digests(self) -> frozenset[str]:
        return frozenset(str(day) for (day,) in self.conn.execute("SELECT day FROM digest"))

    # --- claiming what goes out --------------------------------------------------------------------

    def claim_digest(self, day: str, stamp: str) -> bool:
        with self._tx() as conn:
            return conn.execute("INSERT OR IGNORE INTO digest VALUES (?, ?)", (day, stamp)).rowcount == 1

    def claim_leads(self, task_id: str, due: str, leads: list[int], stamp: str, *, snoozed: bool) -> bool:
        """Records the leads (or the snooze) of (task, due) as gone out at `stamp`; False, with
        nothing written, when one already has."""
        with self._tx() as conn:
            if snoozed:
                taken = conn.execute(
                    "UPDATE snooze SET fired_at = ? WHERE task_id = ? AND due_at = ? AND fired_at IS NULL",
                    (stamp, task_id, due),
                ).rowcount
                if taken != 1:
                    return False
                conn.execute("INSERT OR REPLACE INTO fired VALUES (?, ?, ?, ?)", (task_id, due, SNOOZED, stamp))
            elif self._fired(task_id, due, leads):
                return False  # another process showed it first
            conn.executemany(
                "INSERT OR IGNORE INTO fired VALUES (?, ?, ?, ?)", [(task_id, due, lead, stamp) for lead in leads]
            )
        return True

    def _fired(self, task_id: str, due: str, leads: list[int]) -> bool:
        marks = ", ".join("?" * len(leads))
        sql = f"SELECT 1 FROM fired WHERE task_id = ? AND due_at = ? AND lead_s IN ({marks}) LIMIT 1"
        return bool(leads) and self.conn.execute(sql, (task_id, due, *leads)).fetchone() is not None

    def release_digest(self, day: str, stamp: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM digest WHERE day = ? AND fired_at = ?", (day, stamp))

    def release_leads(self, task_id: str, due: str, leads: list[int], stamp: str, *, snoozed: bool) -> None:
        """Undoes `claim_leads` with the same arguments."""
        with self._tx() as conn:
            if snoozed:
                leads = [*leads, SNOOZED]
                conn.execute(
                    "UPDATE snooze SET fired_at = NULL WHERE task_id = ? AND due_at = ? AND fired_at = ?",
                    (task_id, due, stamp),
                )
            conn.executemany(
                "DELETE FROM fired WHERE task_id = ? AND due_at = ? AND lead_s = ? AND fired_at = ?",
                [(task_id, due, lead, stamp) for lead in leads],
            )

    # --- snoozes -----------------------------------------------------------------------------------

    def snooze(self, task_id: str, due: str, until: str) -> None:
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO snooze VALUES (?, ?, ?, NULL)", (task_id, due, until))

    def cancel_snooze(self, task_id: str, due: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM snooze WHERE task_id = ? AND due_at = ?", (task_id, due))

    # --- the server's reminders --------------------------------------------------------------------

    def record_server(self, task_id: str, due: str, created: str) -> bool:
        """Remembers when the server made its `due_soon` for (task, due); True when that is news."""
        with self._tx() as conn:
            return (
                conn.execute(
                    "INSERT INTO server_due_soon VALUES (?, ?, ?) ON CONFLICT (task_id, due_at) DO UPDATE "
                    "SET created_at = excluded.created_at WHERE excluded.created_at > server_due_soon.created_at",
                    (task_id, due, created),
                ).rowcount
                == 1
            )

    def fired_since(self, task_id: str, due: str, since: str | None) -> bool:
        """Whether a lead or a snooze of (task, due) went out on this device (at or after `since`)."""
        sql = "SELECT 1 FROM fired WHERE task_id = ? AND due_at = ?"
        params: list[str] = [task_id, due]
        if since is not None:
            sql += " AND fired_at >= ?"
            params.append(since)
        return self.conn.execute(sql + " LIMIT 1", params).fetchone() is not None

    # --- settings ----------------------------------------------------------------------------------

    def settings_text(self, user_id: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE user_id = ?", (user_id,)).fetchone()
        return str(row[0]) if row else None

    def save_settings_text(self, user_id: str, text: str) -> None:
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (user_id, text))

    # --- housekeeping ------------------------------------------------------------------------------

    def prune(self, due_before: str, day_before: str) -> int:
        """Forgets every due time before `due_before` and digest day before `day_before`; returns how many rows."""
        with self._tx() as conn:
            removed = 0
            for table in ("fired", "server_due_soon", "snooze"):
                removed += conn.execute(f"DELETE FROM {table} WHERE due_at < ?", (due_before,)).rowcount
            removed += conn.execute("DELETE FROM digest WHERE day < ?", (day_before,)).rowcount
        return removed
