"""The phone's OS scheduler for reminders: an adapter over flet-notifications (flutter_local_notifications)
and flet-permission-handler. Both are Flet extensions whose Dart half only `flet build apk|aab|ipa`
compiles in, so nothing here imports them at module level; `mobile_scheduler(page, ...)` makes the
adapter on an Android or iOS build and answers None on the web and desktop. The decisions it serves
(what to schedule, when to ask) are in app.reminders.mobile and tested without it."""

from __future__ import annotations

import inspect
import logging
import zlib
from pathlib import Path
from typing import Any

from app.notify import OnClick
from app.reminders.mobile import (
    DENIED,
    GRANTED,
    ID_SPACE,
    PERMANENTLY_DENIED,
    MobileScheduler,
    Slot,
    permission_answer,
)

log = logging.getLogger("keel.app.reminders")


class FletNotificationsScheduler:
    """OsScheduler, OsPermission and MobileNotifier's `send` over flet-notifications 0.1.4 (Flet 1.0's
    Service API around flutter_local_notifications: `zonedSchedule` alarms that survive a killed app
    and, with the build step of build/README.md, a reboot) and flet-permission-handler.

    Neither package is imported until first use: they exist only in `flet build apk|aab|ipa` builds.
    The question is never asked at start-up: the extension's iOS start-up question is turned off, and
    `request` asks when MobileScheduler decides. On Android, permission_handler asks (Android 13+'s
    POST_NOTIFICATIONS dialog); on iOS its notification check is compiled in only with a Podfile macro
    (PERMISSION_NOTIFICATIONS=1) that a flet build does not set, so flutter_local_notifications asks
    there, and a "no" is final (iOS puts its question once).
    """

    def __init__(self, on_click: OnClick, *, ios: bool) -> None:
        self.on_click = on_click
        self.ios = ios
        self._notifications: Any = None
        self._permissions: Any = None
        self._exact: bool | None = None  # Android: may the app set exact alarms (SCHEDULE_EXACT_ALARM)?

    def notifications(self) -> Any:
        """The LocalNotifications service; made in the page's context (a Service registers itself with
        the current page), and its start replays a tap that launched the app to `on_click`."""
        if self._notifications is None:
            from flet_notifications import LocalNotifications  # type: ignore[import-not-found]

            self._notifications = LocalNotifications(
                request_alert_permission=False,
                request_sound_permission=False,
                request_badge_permission=False,
                on_tap=self._tapped,
            )
        return self._notifications

    def permissions(self) -> Any:
        if self._permissions is None:
            from flet_permission_handler import PermissionHandler  # type: ignore[import-not-found]

            self._permissions = PermissionHandler()
        return self._permissions

    async def _tapped(self, event: Any) -> None:
        result = self.on_click(str(getattr(event, "payload", "") or "") or None)
        if inspect.isawaitable(result):
            await result

    async def schedule(self, slot: Slot) -> None:
        from flet_notifications import AndroidScheduleMode

        exact = await self._exact_alarms()
        mode = AndroidScheduleMode.EXACT_ALLOW_WHILE_IDLE if exact else AndroidScheduleMode.INEXACT_ALLOW_WHILE_IDLE
        args = {"title": slot.title, "body": slot.body, "payload": slot.task_id or "", "time_zone": slot.zone}
        try:
            await self.notifications().schedule(id=slot.id, when=slot.fire_at, schedule_mode=mode, **args)
        except Exception:
            if not exact or self.ios:
                raise
            self._exact = False  # the person took exact alarms away: within Doze's window from now on
            await self.notifications().schedule(
                id=slot.id, when=slot.fire_at, schedule_mode=AndroidScheduleMode.INEXACT_ALLOW_WHILE_IDLE, **args
            )

    async def _exact_alarms(self) -> bool:
        if self.ios:
            return True  # iOS has no such choice
        if self._exact is None:
            try:
                self._exact = bool(await self.notifications().can_schedule_exact_notifications())
            except Exception:
                self._exact = False
        return self._exact

    async def cancel(self, id: int) -> None:
        await self.notifications().cancel(id)

    async def send(self, title: str, body: str, task_id: str | None) -> None:
        """Shows a reminder now (MobileNotifier's `send`)."""
        shown_id = ID_SPACE + zlib.crc32(f"{title}\n{body}\n{task_id or ''}".encode()) % ID_SPACE
        await self.notifications().show(id=shown_id, title=title, body=body, payload=task_id or "")

    async def status(self) -> str:
        if self.ios:
            return GRANTED if await self.notifications().are_notifications_enabled() else DENIED
        from flet_permission_handler import Permission

        return permission_answer(await self.permissions().get_status(Permission.NOTIFICATION))

    async def request(self) -> str:
        if self.ios:
            service = self.notifications()
            service.request_alert_permission = service.request_sound_permission = True
            service.request_badge_permission = True
            service.update()  # what iOS is asked for is read from these at the request
            return GRANTED if await service.request_permissions() else PERMANENTLY_DENIED
        from flet_permission_handler import Permission

        return permission_answer(await self.permissions().request(Permission.NOTIFICATION))

    async def open_settings(self) -> bool:
        return bool(await self.permissions().open_app_settings())


def mobile_scheduler(page: Any, data_dir: str | Path, on_click: OnClick) -> MobileScheduler | None:
    """The OS scheduler of a packaged Android or iOS app: call it in the page's session (its services
    register with that page). None on the web and desktop, and where the extension is not compiled in."""
    platform = str(getattr(page.platform, "value", page.platform) or "")
    if page.web or platform not in ("android", "ios"):
        return None
    adapter = FletNotificationsScheduler(on_click, ios=platform == "ios")
    try:
        # At once: a tap that launched the app is replayed when the service starts. A Service made
        # outside the page's session stays unregistered, and reading its `page` raises.
        _ = adapter.notifications().page, adapter.permissions().page
    except (ImportError, RuntimeError) as exc:
        log.warning("reminders will not go off while the app is closed: %s", exc)
        return None
    return MobileScheduler(data_dir, adapter, permission=adapter, send=adapter.send)
