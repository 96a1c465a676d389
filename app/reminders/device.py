"""The app process's reminders: one runner on the data directory (however many windows or tabs are
open, so a reminder is never shown twice), shown in the desktop's notification centre where there is
one and as a toast in every open window or tab. On a phone the OS also holds the upcoming reminders
(app.reminders.mobile), so they go off while the app is suspended or killed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from app.notify import OnClick
from app.reminders.mobile import UNAVAILABLE, MobileScheduler
from app.reminders.notifiers import Fanout, OsLocalNotifier, RunTask, Toast, ToastNotifier
from app.reminders.runner import ReminderRunner
from sync.store import Store


class DeviceReminders:
    """Start once per process with `await DeviceReminders.start(...)`; each session `attach`es its
    toast (and click handler), and the announcer asks `repeats_local(row)` before announcing."""

    def __init__(
        self,
        runner: ReminderRunner,
        toasts: ToastNotifier,
        os_local: OsLocalNotifier,
        os_scheduler: MobileScheduler | None = None,
    ) -> None:
        self.runner = runner
        self.toasts = toasts
        self.os_local = os_local
        self.os_scheduler = os_scheduler

    @classmethod
    async def start(
        cls,
        store: Store,
        data_dir: str | Path,
        *,
        desktop: bool,
        hold: Callable[[], bool] | None = None,
        os_scheduler: MobileScheduler | None = None,
    ) -> DeviceReminders:
        """`desktop` as for app.notify.os_notifier: `not page.web and page.platform.is_desktop()`;
        `os_scheduler`: a phone's, from `app.reminders.flet_mobile.mobile_scheduler(page, data_dir, on_click)`
        (None elsewhere); reminders due at once then show through its extension too."""
        from app.notify import os_notifier

        os_local = OsLocalNotifier(await os_notifier(desktop=desktop))
        toasts = ToastNotifier()
        shown_by = (os_local, toasts) if os_scheduler is None else (os_scheduler.notifier, os_local, toasts)
        runner = ReminderRunner(store, data_dir, Fanout(*shown_by), hold=hold, os_scheduler=os_scheduler)
        runner.start()
        return cls(runner, toasts, os_local, os_scheduler)

    def attach(
        self, toast: Toast, *, open_task: OnClick | None = None, run_task: RunTask | None = None
    ) -> Callable[[], None]:
        """Shows reminders as toasts in one session (through its `page.run_task`) and lets a click on
        an OS notification open the task there; returns the detach for the session's close."""
        detach_toast = self.toasts.attach(toast, run_task=run_task)
        detach_click = self.os_local.attach(open_task) if open_task is not None else (lambda: None)

        def detach() -> None:
            detach_toast()
            detach_click()

        return detach

    def repeats_local(self, row: Mapping[str, Any]) -> bool:
        return self.runner.repeats_local(row)

    def already_reminded(self, task_id: str, due_at: datetime | str) -> bool:
        return self.runner.already_reminded(task_id, due_at)

    async def ensure_permission(self) -> str:
        """For the settings screen when the person turns reminders on: 'granted', 'denied',
        'permanently_denied' (offer `open_notification_settings`) or 'unavailable' (no phone OS here)."""
        return UNAVAILABLE if self.os_scheduler is None else await self.os_scheduler.ensure_permission()

    async def open_notification_settings(self) -> bool:
        """Opens the app's page in the phone's system settings; False where there is none."""
        return self.os_scheduler is not None and await self.os_scheduler.open_settings()

    async def close(self) -> None:
        """Stops the runner and closes its log and the OS connection; before the store closes."""
        await self.runner.stop()
        await self.os_local.close()
