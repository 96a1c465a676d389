"""Operating-system notifications behind one small interface: desktop-notifier on desktops, nothing elsewhere.

Why desktop-notifier (6.x, read in its source before choosing): it is maintained (6.0 to 6.2
fixed Xfce's click handling and added Linux reply fields), it is async, so it runs on Flet's
asyncio loop with no thread of its own, it covers the three desktop platforms behind one call
(org.freedesktop.Notifications over D-Bus through dbus-fast on Linux, UserNotifications on macOS,
WinRT toasts on Windows), and each notification takes its own `on_clicked` callback, which is how
a click opens the task. Three facts from its source shape this module: `send` never raises (it
logs a warning), the D-Bus connection opens on first use, and the default icon is Python's logo.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

log = logging.getLogger("keel.app.notify")

APP_NAME = "Keel"
ICON = Path(__file__).resolve().parents[2] / "assets" / "icon.png"  # arrives with the app's assets
PROBE_TIMEOUT_S = 3.0  # a session bus that accepts but never answers must not hold the app up
DESKTOPS = ("linux", "darwin", "win32")
# Why OS notifications are off, each with its `notify.unavailable.<reason>` text for the settings page.
REASONS = ("not_desktop", "no_library", "no_service", "unsupported")

OnClick = Callable[[str | None], object]  # given the task id (None: a summary, open the inbox); may be async


class OsNotifier(Protocol):
    """Where OS notifications go. `available` is False where none can be shown, `reason` says why
    (a `notify.unavailable.*` key's suffix); `show` answers whether the OS took the notification."""

    @property
    def available(self) -> bool: ...

    @property
    def reason(self) -> str | None: ...

    async def show(self, title: str, body: str, *, task_id: str | None, on_click: OnClick) -> bool: ...

    async def close(self) -> None: ...


class NullNotifier:
    """No OS notifications: web mode, mobile builds, sessions without a notification service."""

    def __init__(self, reason: str = "not_desktop", detail: str = "") -> None:
        self._reason = reason
        self.detail = detail

    @property
    def available(self) -> bool:
        return False

    @property
    def reason(self) -> str | None:
        return self._reason

    async def show(self, title: str, body: str, *, task_id: str | None, on_click: OnClick) -> bool:
        return False

    async def close(self) -> None:
        return None


class DesktopOsNotifier:
    """OS notifications through desktop-notifier, as app "Keel" with Keel's icon when it exists.

    Build it with `os_notifier()`, which checks first that a notification service answers.
    """

    def __init__(self, *, app_name: str = APP_NAME, icon: Path | None = ICON) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        self.icon = icon.resolve() if icon is not None and icon.is_file() else None
        # None rather than the library's default, which is Python's logo.
        self._notifier: DesktopNotifier = DesktopNotifier(
            app_name=app_name, app_icon=Icon(path=self.icon) if self.icon else None
        )
        self._available = True
        self._reason: str | None = None
        self.detail = ""
        self._callbacks: set[asyncio.Task[Any]] = set()

    @property
    def available(self) -> bool:
        return self._available

    @property
    def reason(self) -> str | None:
        return self._reason

    @property
    def app_name(self) -> str:
        return self._notifier.app_name

    def _give_up(self, reason: str, detail: str) -> None:
        self._available, self._reason, self.detail = False, reason, detail
        log.warning("operating-system notifications are off for this run: %s", detail)

    async def probe(self, timeout: float = PROBE_TIMEOUT_S) -> bool:
        """Asks the notification service what it can do; on no answer within `timeout`, or none at
        all, turns this notifier off for the run with a logged reason. Never raises."""
        try:
            capabilities = await asyncio.wait_for(self._notifier.get_capabilities(), timeout)
        except TimeoutError:
            await self._disconnect()
            self._give_up("no_service", f"the notification service did not answer within {timeout:g} s")
            return False
        except Exception as exc:  # no session bus, no daemon on it, no HOME: all mean "none here"
            await self._disconnect()
            self._give_up("no_service", f"no notification service ({_bus_address()}): {type(exc).__name__}: {exc}")
            return False
        if not capabilities:  # desktop-notifier's stand-in where the platform offers nothing usable
            self._give_up("unsupported", "this platform offers no notification service to this process")
            return False
        return True

    async def show(self, title: str, body: str, *, task_id: str | None, on_click: OnClick) -> bool:
        """Raises one notification; a click calls `on_click(task_id)` on this loop. False when the OS
        did not take it (desktop-notifier logs why) or this notifier is off."""
        if not self._available:
            return False
        loop = asyncio.get_running_loop()
        dispatched = False

        def clicked() -> None:
            # On this loop whatever thread the platform calls from (macOS: its main run loop).
            with contextlib.suppress(RuntimeError):  # the loop is closed: the app has gone
                loop.call_soon_threadsafe(self._clicked, on_click, task_id)

        def on_dispatched() -> None:
            nonlocal dispatched
            dispatched = True

        try:
            await asyncio.wait_for(
                self._notifier.send(
                    title=title,
                    message=body,
                    on_dispatched=on_dispatched,
                    on_clicked=clicked,
                ),
                PROBE_TIMEOUT_S,
            )
        except TimeoutError:
            log.warning("the notification service did not take a notification within %g s", PROBE_TIMEOUT_S)
            return False
        return dispatched

    def _clicked(self, on_click: OnClick, task_id: str | None) -> None:
        """Runs the click handler; a coroutine becomes a task on this loop. A failing handler is
        logged, never raised into the D-Bus reader that delivered the click."""
        try:
            result = on_click(task_id)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._callbacks.add(task)
                task.add_done_callback(self._callback_done)
        except Exception:
            log.exception("opening the notification's task failed")

    def _callback_done(self, task: asyncio.Task[Any]) -> None:
        self._callbacks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("opening the notification's task failed", exc_info=task.exception())

    async def _disconnect(self) -> None:
        # desktop-notifier keeps its D-Bus connection as the Linux backend's `bus` and has no
        # public way to close it; a half-open one left behind would leak its socket.
        bus = getattr(getattr(self._notifier, "_backend", None), "bus", None)
        if bus is not None and getattr(bus, "connected", False):
            bus.disconnect()
            with contextlib.suppress(Exception):  # it ended by itself first: nothing left to close
                await bus.wait_for_disconnect()

    async def close(self) -> None:
        """Closes the D-Bus connection (at app exit); notifications already shown stay."""
        for task in list(self._callbacks):
            task.cancel()
        await self._disconnect()
        self._available = False


def _bus_address() -> str:
    if sys.platform != "linux":
        return sys.platform
    return f"session bus {os.environ.get('DBUS_SESSION_BUS_ADDRESS') or 'not set'}"


async def os_notifier(
    *, desktop: bool, app_name: str = APP_NAME, icon: Path | None = ICON, timeout: float = PROBE_TIMEOUT_S
) -> OsNotifier:
    """The OS notifier for this run: the real one on a desktop whose notification service answers,
    a `NullNotifier` with the reason (logged) everywhere else. Takes at most `timeout` seconds.

    `desktop` is the app's own judgement: `not page.web and page.platform.is_desktop()` in Flet.
    """
    if not desktop or sys.platform not in DESKTOPS:
        return NullNotifier("not_desktop")
    try:
        notifier = DesktopOsNotifier(app_name=app_name, icon=icon)
    except ImportError as exc:  # a build made without it
        log.warning("operating-system notifications are off: %s", exc)
        return NullNotifier("no_library", str(exc))
    if not await notifier.probe(timeout):
        await notifier.close()
        return NullNotifier(notifier.reason or "no_service", notifier.detail)
    return notifier
