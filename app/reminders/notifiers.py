"""Where a reminder is shown, behind one small interface: the desktop's notification centre (through
app.notify's OsNotifier), a toast in each open window or tab, and on phones the flet-notifications
extension, which only `flet build` compiles in.

`show` answers whether the reminder reached the person; the runner records a reminder as fired only
then, and tries one that nobody took again a few minutes later.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from app.notify import OnClick, OsNotifier
from app.reminders.texts import line_of

log = logging.getLogger("keel.app.reminders")

MOBILE_TIMEOUT_S = 10.0


class LocalNotifier(Protocol):
    async def show(self, title: str, body: str, *, task_id: str | None) -> bool: ...


def _ignore(_task_id: str | None) -> None:
    return None


class OsLocalNotifier:
    """The desktop's notification centre, through app.notify's OsNotifier (desktop-notifier).

    `on_click(task_id)` opens the task; the newest window to `attach` a handler gets the clicks."""

    def __init__(self, os_notifier: OsNotifier, on_click: OnClick | None = None) -> None:
        self.os_notifier = os_notifier
        self._handlers: list[OnClick] = [on_click] if on_click else []

    @property
    def available(self) -> bool:
        return self.os_notifier.available

    def attach(self, on_click: OnClick) -> Callable[[], None]:
        self._handlers.append(on_click)
        return lambda: self._handlers.remove(on_click) if on_click in self._handlers else None

    def _clicked(self, task_id: str | None) -> object:
        return (self._handlers[-1] if self._handlers else _ignore)(task_id)

    async def show(self, title: str, body: str, *, task_id: str | None) -> bool:
        if not self.os_notifier.available:
            return False
        return await self.os_notifier.show(title, body, task_id=task_id, on_click=self._clicked)

    async def close(self) -> None:
        await self.os_notifier.close()


Toast = Callable[[str], object]
RunTask = Callable[..., Any]  # Flet's page.run_task: runs a coroutine function in that page's session


class ToastNotifier:
    """A toast in every open window (desktop) or browser tab (web mode): the one place a reminder
    shows where the platform offers no notification centre to this process."""

    def __init__(self) -> None:
        self._sinks: list[Toast] = []

    def attach(self, toast: Toast, *, run_task: RunTask | None = None) -> Callable[[], None]:
        """Adds one session's toast; returns the detach. With `run_task` (the page's), the toast runs
        inside that page's session, as Flet wants for anything a background task shows."""
        sink = toast if run_task is None else _in_session(toast, run_task)
        self._sinks.append(sink)
        return lambda: self._sinks.remove(sink) if sink in self._sinks else None

    @property
    def available(self) -> bool:
        return bool(self._sinks)

    async def show(self, title: str, body: str, *, task_id: str | None) -> bool:
        line, shown = line_of(title, body), False
        for sink in list(self._sinks):
            try:
                result = sink(line)
                if inspect.isawaitable(result):
                    await result
                shown = True
            except Exception:  # a window closing under us must not stop the others
                log.exception("a reminder toast failed")
        return shown


def _in_session(toast: Toast, run_task: RunTask) -> Toast:
    async def show(line: str) -> None:
        toast(line)

    def sink(line: str) -> object:
        return run_task(show, line)

    return sink


MobileSend = Callable[[str, str, str | None], Awaitable[object]]


class MobileNotifier:
    """Android and iOS local notifications shown at once (the runner's catch-ups while the app runs).

    The flet-notifications extension (wrapping flutter_local_notifications) has a Dart half that
    only `flet build apk|aab|ipa` compiles in; in the stock web or desktop client its `show()` never
    returns. So nothing here imports it: app.reminders.mobile's adapter gives `send(title, body,
    task_id)` (task_id as the payload a tap hands back) on a packaged phone app, and its
    MobileScheduler holds this notifier; without a `send` it is unavailable. A show that does not
    answer within `timeout` counts as not shown, so a client without the Dart half never hangs the
    runner. Upcoming reminders do not come through here: the OS holds those (MobileScheduler).
    """

    def __init__(self, send: MobileSend | None = None, *, timeout: float = MOBILE_TIMEOUT_S) -> None:
        self._send = send
        self.timeout = timeout

    @property
    def available(self) -> bool:
        return self._send is not None

    async def show(self, title: str, body: str, *, task_id: str | None) -> bool:
        if self._send is None:
            return False
        try:
            async with asyncio.timeout(self.timeout):  # not wait_for: on 3.11 it can swallow a cancel
                await self._send(title, body, task_id)
        except TimeoutError:
            log.warning("the mobile notification did not answer in %g s (no extension in this client?)", self.timeout)
            return False
        except Exception:
            log.exception("the mobile notification failed")
            return False
        return True


class Fanout:
    """Shows on every notifier; True when at least one took it."""

    def __init__(self, *notifiers: LocalNotifier) -> None:
        self.notifiers = notifiers

    async def show(self, title: str, body: str, *, task_id: str | None) -> bool:
        results = []
        for notifier in self.notifiers:
            try:
                results.append(await notifier.show(title, body, task_id=task_id))
            except Exception:
                log.exception("a reminder notifier failed")
                results.append(False)
        return any(results)
