"""The reminder log in the app's terms: reminders, times and settings, over the log file that
sync/reminder_log.py keeps beside the store (keys are spelled by `schedule.time_key` and `lead_key`).

Claiming a reminder writes it before it is shown, in one transaction that fails when it is already
there, so two app processes on one data directory never show the same reminder, and a crash
between the two loses at most that one reminder rather than showing it twice.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.reminders.schedule import History, Reminder, aware, lead_key, parse_time, time_key
from app.reminders.settings import ReminderSettings
from sync.reminder_log import LOG_FILE, ReminderLogFile

__all__ = ["LOG_FILE", "ReminderLog"]


class ReminderLog:
    """One data directory's reminder log. Use it from one thread (the app's event loop)."""

    def __init__(self, path: str | Path) -> None:
        self.file = ReminderLogFile(path)
        self.path = self.file.path

    @classmethod
    def open(cls, data_dir: str | Path) -> ReminderLog:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory / LOG_FILE)

    def close(self) -> None:
        self.file.close()

    def history(self) -> History:
        snoozes = {(str(t), str(d)): until for t, d, u in self.file.snoozes() if (until := parse_time(u)) is not None}
        server = {
            (str(t), str(d)): made for t, d, c in self.file.server_due_soon() if (made := parse_time(c)) is not None
        }
        return History(fired=self.file.fired(), snoozes=snoozes, digests=self.file.digests(), server=server)

    def claim(self, reminder: Reminder, *, at: datetime) -> bool:
        """Records `reminder` as gone out at `at`; False (and nothing written) when it already has."""
        stamp = time_key(at)
        if reminder.kind == "overdue_digest":
            assert reminder.day is not None
            return self.file.claim_digest(reminder.day.isoformat(), stamp)
        assert reminder.task_id is not None
        leads = [lead_key(lead) for lead in reminder.covers]
        due = time_key(reminder.due_at)
        return self.file.claim_leads(reminder.task_id, due, leads, stamp, snoozed=reminder.kind == "snoozed")

    def release(self, reminder: Reminder, *, at: datetime) -> None:
        """Undoes `claim(reminder, at=at)`: the notifier did not take it, so it may go out later."""
        stamp = time_key(at)
        if reminder.kind == "overdue_digest":
            assert reminder.day is not None
            self.file.release_digest(reminder.day.isoformat(), stamp)
            return
        assert reminder.task_id is not None
        leads = [lead_key(lead) for lead in reminder.covers]
        due = time_key(reminder.due_at)
        self.file.release_leads(reminder.task_id, due, leads, stamp, snoozed=reminder.kind == "snoozed")

    def snooze(self, task_id: str, due_at: datetime, until: datetime) -> None:
        """Reminds again about (task, due time) at `until`; replaces an earlier snooze of it."""
        self.file.snooze(task_id, time_key(due_at), time_key(until))

    def cancel_snooze(self, task_id: str, due_at: datetime) -> None:
        self.file.cancel_snooze(task_id, time_key(due_at))

    def record_server(self, task_id: str, due_at: datetime, created_at: datetime) -> bool:
        """Remembers that the server's `due_soon` for (task, due time) was made at `created_at`;
        True when that is news."""
        return self.file.record_server(task_id, time_key(due_at), time_key(created_at))

    def already_reminded(self, task_id: str, due_at: datetime, *, since: datetime | None = None) -> bool:
        """Whether this device itself reminded about `task_id` due at `due_at` (a lead or a snooze
        went out), at or after `since` when given. The server's own reminders do not count."""
        return self.file.fired_since(task_id, time_key(due_at), None if since is None else time_key(since))

    def settings(self, user_id: str) -> ReminderSettings:
        text = self.file.settings_text(user_id)
        return ReminderSettings.from_json(text) if text is not None else ReminderSettings()

    def save_settings(self, user_id: str, settings: ReminderSettings) -> None:
        self.file.save_settings_text(user_id, settings.to_json())

    def prune(self, before: datetime) -> int:
        """Forgets everything about due times (and digest days) before `before`; returns how many rows."""
        return self.file.prune(time_key(before), aware(before).date().isoformat())
