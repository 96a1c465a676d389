"""Announcing notifications that arrive while the app is open: a toast, and on desktop an OS notification.

Once at app start (`show_toast(a)` and `open_task(task_id)` are the UI's; task None: the inbox):

    announcer = Announcer(store_lookup(store), user_id=store.user_id)
    notifier = await os_notifier(desktop=not page.web and page.platform.is_desktop())

Then in the store's change listener (`bootstrap`: the first sync of a sign-in is running):

    for a in announcer.take(arrived(changes, store), user_id=store.user_id, focused=focused,
                            settings=NotifySettings(os_notifications=on), bootstrap=bootstrapping):
        page.run_task(deliver, a, toast=show_toast, os_notifier=notifier, on_click=open_task)
"""

from app.notify.decide import (
    CAP,
    GRACE,
    KINDS,
    WINDOW,
    Announcement,
    Announcer,
    Lookup,
    NotifySettings,
    Subject,
    fresh,
    plan,
    raises_os,
    text_of,
)
from app.notify.desktop import (
    APP_NAME,
    ICON,
    REASONS,
    DesktopOsNotifier,
    NullNotifier,
    OnClick,
    OsNotifier,
    os_notifier,
)
from app.notify.feed import arrived, deliver, store_lookup

__all__ = [
    "APP_NAME",
    "CAP",
    "GRACE",
    "ICON",
    "KINDS",
    "REASONS",
    "WINDOW",
    "Announcement",
    "Announcer",
    "DesktopOsNotifier",
    "Lookup",
    "NotifySettings",
    "NullNotifier",
    "OnClick",
    "OsNotifier",
    "Subject",
    "arrived",
    "deliver",
    "fresh",
    "os_notifier",
    "plan",
    "raises_os",
    "store_lookup",
    "text_of",
]
