"""The reminder log: what went out on this device, what the server already said, snoozes and each
person's reminder settings, in `reminders.db` beside the store (never in the sync store's tables:
it is this device's memory, not synced data, and it survives a cache rebuild).

Keys are (task_id, due_at, lead): a due time is spelled by `schedule.time_key`, a lead in seconds.
Claiming a reminder writes it before it is shown, in one transaction that fails when it is already
there, so two app processes on one data directory never show the same reminder, and a crash
between the two loses at most that one reminder rather than showing it twice.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime
from pathlib import Path

from app.reminders.schedule import History, Reminder, aware, lead_key, parse_time, time_key
from app.reminders.settings import ReminderSettings
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


class ReminderLog:
    """One data directory's reminder log. Use it from one thread (the app's event loop)."""

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
    def open(cls, data_dir: str | Path) -> ReminderLog:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory / LOG_FILE)

    def close(self) -> None:
        self.conn.close()

    def _tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate(self.conn)

    # --- what the schedule reads -------------------------------------------------------------------

    def history(self) -> History:
        fired = frozenset(
            (str(t), str(d), int(lead)) for t, d, lead in self.conn.execute("SELECT task_id, due_at, lead_s FROM fired")
        )
        snoozes = {
            (str(t), str(d)): until
            for t, d, u in self.conn.execute("SELECT task_id, due_at, until FROM snooze WHERE fired_at IS NULL")
            if (until := parse_time(u)) is not None
        }
        server = {
            (str(t), str(d)): made
            for t, d, c in self.conn.execute("SELECT task_id, due_at, created_at FROM server_due_soon")
            if (made := parse_time(c)) is not None
        }
        digests = frozenset(str(day) for (day,) in self.conn.execute("SELECT day FROM digest"))
        return History(fired=fired, snoozes=snoozes, digests=digests, server=server)

    # --- claiming what goes out --------------------------------------------------------------------

    def claim(self, reminder: Reminder, *, at: datetime) -> bool:
        """Records `reminder` as gone out at `at`; False (and nothing written) when it already has."""
        stamp = time_key(at)
        with self._tx() as conn:
            if reminder.kind == "overdue_digest":
                assert reminder.day is not None
                day = reminder.day.isoformat()
                return conn.execute("INSERT OR IGNORE INTO digest VALUES (?, ?)", (day, stamp)).rowcount == 1
            assert reminder.task_id is not None
            task_id, due = reminder.task_id, time_key(reminder.due_at)
            leads = [lead_key(lead) for lead in reminder.covers]
            if reminder.kind == "snoozed":
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

    def release(self, reminder: Reminder, *, at: datetime) -> None:
        """Undoes `claim(reminder, at=at)`: the notifier did not take it, so it may go out later."""
        stamp = time_key(at)
        with self._tx() as conn:
            if reminder.kind == "overdue_digest":
                assert reminder.day is not None
                conn.execute("DELETE FROM digest WHERE day = ? AND fired_at = ?", (reminder.day.isoformat(), stamp))
                return
            assert reminder.task_id is not None
            task_id, due = reminder.task_id, time_key(reminder.due_at)
            leads = [lead_key(lead) for lead in reminder.covers]
            if reminder.kind == "snoozed":
                leads.append(SNOOZED)
                conn.execute(
                    "UPDATE snooze SET fired_at = NULL WHERE task_id = ? AND due_at = ? AND fired_at = ?",
                    (task_id, due, stamp),
                )
            conn.executemany(
                "DELETE FROM fired WHERE task_id = ? AND due_at = ? AND lead_s = ? AND fired_at = ?",
                [(task_id, due, lead, stamp) for lead in leads],
            )

    # --- snoozes -----------------------------------------------------------------------------------

    def snooze(self, task_id: str, due_at: datetime, until: datetime) -> None:
        """Reminds again about (task, due time) at `until`; replaces an earlier snooze of it."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO snooze VALUES (?, ?, ?, NULL)", (task_id, time_key(due_at), time_key(until))
            )

    def cancel_snooze(self, task_id: str, due_at: datetime) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM snooze WHERE task_id = ? AND due_at = ?", (task_id, time_key(due_at)))

    # --- the server's reminders --------------------------------------------------------------------

    def record_server(self, task_id: str, due_at: datetime, created_at: datetime) -> bool:
        """Remembers that the server's `due_soon` for (task, due time) was made at `created_at`;
        True when that is news."""
        row = (task_id, time_key(due_at), time_key(created_at))
        with self._tx() as conn:
            return (
                conn.execute(
                    "INSERT INTO server_due_soon VALUES (?, ?, ?) ON CONFLICT (task_id, due_at) DO UPDATE "
                    "SET created_at = excluded.created_at WHERE excluded.created_at > server_due_soon.created_at",
                    row,
                ).rowcount
                == 1
            )

    def already_reminded(self, task_id: str, due_at: datetime, *, since: datetime | None = None) -> bool:
        """Whether this device itself reminded about `task_id` due at `due_at` (a lead or a snooze
        went out), at or after `since` when given. The server's own reminders do not count."""
        sql = "SELECT 1 FROM fired WHERE task_id = ? AND due_at = ?"
        params: list[str] = [task_id, time_key(due_at)]
        if since is not None:
            sql += " AND fired_at >= ?"
            params.append(time_key(since))
        return self.conn.execute(sql + " LIMIT 1", params).fetchone() is not None

    # --- settings ----------------------------------------------------------------------------------

    def settings(self, user_id: str) -> ReminderSettings:
        row = self.conn.execute("SELECT value FROM settings WHERE user_id = ?", (user_id,)).fetchone()
        return ReminderSettings.from_json(row[0]) if row else ReminderSettings()

    def save_settings(self, user_id: str, settings: ReminderSettings) -> None:
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (user_id, settings.to_json()))

    # --- housekeeping ------------------------------------------------------------------------------

    def prune(self, before: datetime) -> int:
        """Forgets everything about due times (and digest days) before `before`; returns how many rows."""
        key, day = time_key(before), aware(before).date().isoformat()
        with self._tx() as conn:
            removed = 0
            for table in ("fired", "server_due_soon", "snooze"):
                removed += conn.execute(f"DELETE FROM {table} WHERE due_at < ?", (key,)).rowcount
            removed += conn.execute("DELETE FROM digest WHERE day < ?", (day,)).rowcount
        return removed
