"""On-device reminders: "due soon" before each due time, a daily digest of overdue tasks, snoozes and
quiet hours, all planned from the local cache so they go off offline, each at most once per task,
due time and lead, and never as well as the server's own `due_soon` for the same moment.

    schedule  pure decisions: what goes off when (read its docstring for every rule)
    log       reminders.db in the data directory: what went out, the server's reminders, snoozes, settings
    runner    ReminderRunner: reads the store, shows what is due, sleeps until the next one
    notifiers where a reminder shows: OS notification centre, in-app toasts, the mobile extension
    mobile    phones: the OS's scheduler holds the upcoming reminders (go off while the app is closed)
    flet_mobile  that scheduler over the flet-notifications extension (Android and iOS builds only)
    device    DeviceReminders: the app process's runner and its notifiers

Wiring (app.main), once per process and per session:

    os_scheduler = mobile_scheduler(page, data_dir, on_click=open_task)  # None on the web and desktop
    reminders = await DeviceReminders.start(core.store, data_dir, desktop=..., hold=lambda: bootstrapping,
                                            os_scheduler=os_scheduler)
    detach = reminders.attach(toast, open_task=open_task, run_task=page.run_task)
    rows = [row for row in arrived(changes, store) if not reminders.repeats_local(row)]  # the dedupe
    reminders.already_reminded(task_id, due_at)  # any local reminder for that due time went out
    await reminders.ensure_permission()  # Settings, as reminders are turned on: 'granted', 'denied', ...
    await reminders.open_notification_settings()  # after 'permanently_denied'
    await reminders.close()   # before the store closes
"""

from app.reminders.device import DeviceReminders
from app.reminders.flet_mobile import mobile_scheduler
from app.reminders.log import LOG_FILE, ReminderLog
from app.reminders.mobile import (
    OS_PENDING_LIMIT,
    MobileScheduler,
    OsPermission,
    OsScheduler,
    PermissionState,
    Slot,
    ask_now,
    os_id,
    os_slots,
    reconcile,
)
from app.reminders.notifiers import Fanout, LocalNotifier, MobileNotifier, OsLocalNotifier, ToastNotifier
from app.reminders.runner import RETRY_AFTER, Clock, ReminderRunner, SystemClock
from app.reminders.schedule import (
    CAP,
    KINDS,
    LATE,
    MATCH,
    SERVER_LEAD,
    SNOOZE_CHOICES,
    History,
    Plan,
    Reminder,
    batches,
    defer,
    plan,
    quiet_end,
    reminds,
    server_covers,
    snooze_until,
)
from app.reminders.settings import ReminderSettings, device_zone
from app.reminders.texts import lead_text, snooze_label, snoozed_text, text_of

__all__ = [
    "CAP",
    "KINDS",
    "LATE",
    "LOG_FILE",
    "MATCH",
    "OS_PENDING_LIMIT",
    "RETRY_AFTER",
    "SERVER_LEAD",
    "SNOOZE_CHOICES",
    "Clock",
    "DeviceReminders",
    "Fanout",
    "History",
    "LocalNotifier",
    "MobileNotifier",
    "MobileScheduler",
    "OsLocalNotifier",
    "OsPermission",
    "OsScheduler",
    "PermissionState",
    "Plan",
    "Reminder",
    "ReminderLog",
    "ReminderRunner",
    "ReminderSettings",
    "Slot",
    "SystemClock",
    "ToastNotifier",
    "ask_now",
    "batches",
    "defer",
    "device_zone",
    "lead_text",
    "mobile_scheduler",
    "os_id",
    "os_slots",
    "plan",
    "quiet_end",
    "reconcile",
    "reminds",
    "server_covers",
    "snooze_label",
    "snooze_until",
    "snoozed_text",
    "text_of",
]
