"""The thin runner: reads my tasks from the local store, asks `schedule.plan`, shows what is due through
a LocalNotifier, records it in the log, and sleeps until the next reminder or the next store change.

Everything it needs is on the device, so reminders go off offline. The clock is injectable: tests
drive `tick()` (one pass) or `run()` (the loop) with a clock of their own and never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.reminders.log import ReminderLog
from app.reminders.mobile import os_slots
from app.reminders.notifiers import LocalNotifier
from app.reminders.schedule import (
    MATCH,
    SERVER_LEAD,
    Plan,
    Reminder,
    batches,
    parse_time,
    plan,
    server_covers,
    snooze_until,
)
from app.reminders.settings import ReminderSettings, prefs_of, settings_from_prefs
from app.reminders.texts import summary_of, text_of
from sync.store import Changes, Store

if TYPE_CHECKING:
    from app.reminders.mobile import MobileScheduler

log = logging.getLogger("keel.app.reminders")

RETRY_AFTER = timedelta(minutes=5)  # a reminder nobody could show is tried again after this
# The loop looks again at least this often, so a suspended laptop, a changed clock or a new zone is
# noticed soon (asyncio's sleep runs on a monotonic clock that stops while the machine sleeps).
MAX_NAP = timedelta(minutes=5)
MIN_NAP = timedelta(seconds=1)
HOLD_POLL = timedelta(seconds=5)
KEEP = timedelta(days=90)  # the log forgets due times older than this
TASK_LIMIT = 5000
NOTIFICATION_SCAN = 1000
WAKING = frozenset({"task", "status", "project", "member", "notification", "notification_pref"})


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ReminderRunner:
    """Schedules and shows the signed-in person's reminders from the store of one data directory.

    settings: fixed settings (tests); None reads the signed-in user's from the log at every pass.
    hold: while it answers True (the first sync of a sign-in is filling the cache) nothing is shown.
    server_lead: the server's `due_soon` lead (KEEL_DUE_SOON_LEAD_S), for matching its reminders while
        the person has no synced preferences row; with one, the server uses their longest lead.
    os_scheduler: a phone's (app.reminders.mobile): after each pass the upcoming reminders are left
        with the OS, which shows them while the app is suspended or killed.
    """

    def __init__(
        self,
        store: Store,
        data_dir: str | Path,
        notifier: LocalNotifier,
        settings: ReminderSettings | None = None,
        clock: Clock | None = None,
        *,
        hold: Callable[[], bool] | None = None,
        server_lead: timedelta = SERVER_LEAD,
        os_scheduler: MobileScheduler | None = None,
    ) -> None:
        self.store = store
        self.log = ReminderLog.open(data_dir)
        self.notifier = notifier
        self.clock: Clock = clock or SystemClock()
        self.hold = hold
        self.server_lead = server_lead
        self._fixed = settings
        self._wake = asyncio.Event()
        self._retry: dict[tuple[object, ...], datetime] = {}
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.os_scheduler = os_scheduler

    # --- settings ----------------------------------------------------------------------------------

    @property
    def settings(self) -> ReminderSettings:
        """The signed-in person's: their synced notification preferences (leads, digest, quiet hours,
        zone, the due_soon and overdue kinds, muted projects), with the snooze morning of this device."""
        if self._fixed is not None:
            return self._fixed
        user_id = self.store.user_id
        if not user_id:
            return ReminderSettings()
        return settings_from_prefs(self.store.notification_prefs(), morning=self.log.settings(user_id).morning)

    def set_settings(self, settings: ReminderSettings) -> None:
        """Keeps the signed-in person's new settings (synced to their other devices) and plans again."""
        if self._fixed is not None:
            self._fixed = settings
        elif self.store.user_id:
            self.store.update_notification_prefs(prefs_of(settings))
            self.log.save_settings(self.store.user_id, settings)  # the device's snooze morning
        self._wake.set()

    def servers_lead(self, settings: ReminderSettings | None = None) -> timedelta:
        """How long before a due time the server makes its `due_soon` for me: my longest lead once I
        have a synced preferences row (docs/protocol.md), its own setting before that. `settings`:
        the ones just read, if the caller has them."""
        if self._fixed is None and self.store.user_id and self.store.notification_prefs().get("seq") is not None:
            return (settings or self.settings).leads[0]
        return self.server_lead

    # --- reading the store -------------------------------------------------------------------------

    def tasks(self) -> dict[str, dict[str, Any]]:
        """My open tasks by id, each with its status's category as `status_category`."""
        rows = self.store.my_tasks(include_done=False, limit=TASK_LIMIT)
        categories: dict[str, str] = {}
        for project_id in {row["project_id"] for row in rows}:
            categories |= {s["id"]: s["category"] for s in self.store.statuses(project_id)}
        return {row["id"]: {**row, "status_category": categories.get(row["status_id"])} for row in rows}

    def plan(
        self,
        now: datetime | None = None,
        *,
        tasks: Iterable[Mapping[str, Any]] | None = None,
        settings: ReminderSettings | None = None,
    ) -> Plan:
        """The reminders armed now (or at `now`), from the store and the log (and `settings`, when the
        caller has just read them)."""
        settings = settings or self.settings
        return plan(
            self.tasks().values() if tasks is None else tasks,
            user_id=self.store.user_id,
            settings=settings,
            history=self.log.history(),
            now=now or self.clock.now(),
            server_lead=self.servers_lead(settings),
        )

    # --- one pass ----------------------------------------------------------------------------------

    async def tick(self) -> datetime | None:
        """Shows what is due now; answers when to look again (None: nothing is armed, only a store
        change can arm something)."""
        now = self.clock.now()
        if self.store.user_id is None:
            await self._hand_over(None, {}, now=now)  # signed out: nothing of theirs stays with the OS
            return None
        if self.hold is not None and self.hold():
            return now + HOLD_POLL
        self._claim_shown_by_os(now)
        tasks, settings = self.tasks(), self.settings
        zone = settings.tz()
        current = self.plan(now, tasks=tasks.values(), settings=settings)
        due = [r for r in current.due if self._retry.get(r.ident, now) <= now]
        if due:
            for batch in batches(due):
                await self._deliver(batch, tasks, now=now, zone=zone)
            current = self.plan(now, tasks=tasks.values(), settings=settings)
        self._retry = {ident: at for ident, at in self._retry.items() if at > now}
        await self._hand_over(current, tasks, now=now, zone=zone)
        return min([r.fire_at for r in current.upcoming] + list(self._retry.values()), default=None)

    async def _deliver(
        self, batch: list[Reminder], tasks: Mapping[str, Mapping[str, Any]], *, now: datetime, zone: tzinfo
    ) -> bool:
        claimed = [r for r in batch if self.log.claim(r, at=now)]
        if not claimed:
            return False
        if len(claimed) == 1:
            reminder = claimed[0]
            title, body = text_of(reminder, tasks, now=now, zone=zone)
            single: tuple[str | None, ...] = (
                reminder.tasks if reminder.kind == "overdue_digest" else (reminder.task_id,)
            )
        else:
            title, body = summary_of(claimed, tasks)
            single = tuple({r.task_id for r in claimed})
        task_id = single[0] if len(single) == 1 else None  # a click opens the task, or the inbox for several
        try:
            shown = await self.notifier.show(title, body, task_id=task_id)
        except Exception:
            log.exception("showing a reminder failed")
            shown = False
        if not shown:
            for reminder in claimed:
                self.log.release(reminder, at=now)
                self._retry[reminder.ident] = now + RETRY_AFTER
        return shown

    # --- a phone's OS scheduler ----------------------------------------------------------------------

    def _claim_shown_by_os(self, now: datetime) -> None:
        """Records as gone out, without showing them, the reminders the OS showed: handed over, and
        their time has passed. So the app coming back to the foreground never repeats them."""
        if self.os_scheduler is not None:
            for reminder, at in self.os_scheduler.shown(now=now):
                self.log.claim(reminder, at=at)

    async def _hand_over(
        self, current: Plan | None, tasks: Mapping[str, Mapping[str, Any]], *, now: datetime, zone: tzinfo | None = None
    ) -> None:
        """Leaves the upcoming reminders of `current` (None: none) with the OS."""
        if self.os_scheduler is None:
            return

        try:
            slots = [] if current is None or zone is None else os_slots(current, tasks, zone=zone)
            await self.os_scheduler.sync(slots, now=now)
        except Exception:  # the OS failing must not stop the reminders the app shows itself
            log.exception("handing reminders to the OS failed")

    # --- the loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Runs until cancelled: a pass, then a nap until the next reminder or a store change."""
        self.listen()
        try:
            self.log.prune(self.clock.now() - KEEP)
            while True:
                self._wake.clear()
                try:
                    wake_at = await self.tick()
                except Exception:  # a bug must not end reminders for the run
                    log.exception("planning reminders failed")
                    wake_at = self.clock.now() + RETRY_AFTER
                delay = MAX_NAP if wake_at is None else min(max(wake_at - self.clock.now(), MIN_NAP), MAX_NAP)
                await self._nap(delay.total_seconds())
        finally:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None

    def listen(self) -> None:
        """Follows the store: its changes wake the loop, and the server's `due_soon` rows a pull brings
        are recorded at once (those already cached too). `run` calls it; `stop` undoes it."""
        if self._unsubscribe is None:
            self._unsubscribe = self.store.subscribe(self._on_change)
            self.record_server(self.store.notifications(limit=NOTIFICATION_SCAN))

    async def _nap(self, seconds: float) -> None:
        if self._wake.is_set():
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeper, waker):
                waiting.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="keel-reminders")
        return self._task

    async def stop(self) -> None:
        """Stops the loop and closes the log (call before closing the store)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.log.close()

    def _on_change(self, changes: Changes) -> None:
        # Runs inside the store's commit (a pull of the sync engine): never raise into it.
        try:
            ids = changes.rows.get("notification")
            if changes.source == "pull" and ids:
                limit = max(NOTIFICATION_SCAN, len(ids))
                self.record_server(row for row in self.store.notifications(limit=limit) if row["id"] in ids)
            if changes.source == "reset" or WAKING & changes.rows.keys():
                self._wake.set()
        except Exception:
            log.exception("reading a store change for reminders failed")
            self._wake.set()

    # --- the server's reminders --------------------------------------------------------------------

    def _server_due(self, row: Mapping[str, Any]) -> tuple[str, datetime, datetime] | None:
        """(task_id, due_at, created_at) of the signed-in person's server `due_soon` row, when it is
        about the task's due time as cached now; None for anything else."""
        if row.get("kind") != "due_soon" or not row.get("task_id") or row.get("user_id") != self.store.user_id:
            return None
        task = self.store.task(str(row["task_id"]))
        due = parse_time(task.get("due_at")) if task else None
        created = parse_time(row.get("created_at"))
        if due is None or created is None:
            return None
        if server_covers(created, due, (), server_lead=self.servers_lead()) is None:
            return None  # made for an earlier due time of the task
        return str(row["task_id"]), due, created

    def record_server(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Records the server's `due_soon` rows, so the local reminders they stand for do not go off
        too; returns how many were news. Read or unread, they count: read means seen elsewhere."""
        news = 0
        for row in rows:
            found = self._server_due(row)
            if found is not None and self.log.record_server(*found):
                news += 1
        if news:
            self._wake.set()
        return news

    def repeats_local(self, row: Mapping[str, Any]) -> bool:
        """Whether the server's notification `row` repeats a reminder this device already showed, so
        the app's announcer should stay quiet about it: a `due_soon` for the task's due time, when a
        local reminder for that due time went out no earlier than the server's own moment (its
        lead before the due time, or when it made the row, whichever is first) less MATCH."""
        found = self._server_due(row)
        if found is None:
            return False
        task_id, due, created = found
        since = min(created, due - self.servers_lead()) - MATCH
        return self.log.already_reminded(task_id, due, since=since)

    def already_reminded(self, task_id: str, due_at: datetime | str) -> bool:
        """Whether this device already reminded about `task_id` due at `due_at` (any lead or snooze)."""
        due = parse_time(due_at)
        return due is not None and self.log.already_reminded(task_id, due)

    # --- snoozing ----------------------------------------------------------------------------------

    def snooze(self, task_id: str, choice: str | datetime) -> datetime:
        """Snoozes the reminders of `task_id`'s current due time: 'hour', 'tomorrow' or a time.
        Answers when it will remind again (quiet hours may hold it a little longer)."""
        task = self.store.task(task_id)
        due = parse_time(task.get("due_at")) if task else None
        if due is None:
            raise ValueError("only a task with a due time can be snoozed")
        until = snooze_until(choice, now=self.clock.now(), settings=self.settings)
        self.log.snooze(task_id, due, until)
        self._wake.set()
        return until
