"""What makes a phone screen feel like a phone app: the floating "new task" button within the thumb's
reach, pull to refresh (a sync), and a haptic tick when a long press lifts a card."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

import flet as ft

from app.i18n import t
from app.state.pull import Pull
from app.ui.base import AppEnv

log = logging.getLogger("keel.app")

_haptics: weakref.WeakKeyDictionary[Any, ft.HapticFeedback] = weakref.WeakKeyDictionary()


def haptic(env: AppEnv) -> None:
    """A short vibration where the platform has one (a phone, an Android browser); else nothing."""

    async def tick() -> None:
        service = _haptics.get(env.page)
        if service is None:
            service = _haptics[env.page] = ft.HapticFeedback()
        with contextlib.suppress(Exception):  # no haptics here (a desktop, a browser without them)
            await asyncio.wait_for(service.heavy_impact(), 1.0)

    try:
        env.page.run_task(tick)
    except Exception:  # a page whose session is gone has no loop
        log.debug("no haptic feedback: the page is gone", exc_info=True)


def new_task_button(on_click: Callable[[Any], None]) -> ft.Control:
    """The floating "new task" button, bottom right over the content (a Stack child)."""
    return ft.Container(
        ft.FloatingActionButton(icon=ft.Icons.ADD, tooltip=t("phone.new_task"), on_click=on_click),
        right=16,
        bottom=16,
    )


def pull_to_sync(env: AppEnv, pull: Pull) -> Callable[[ft.OnScrollEvent], None]:
    """A scroll handler that starts a sync when the list is pulled down past its top."""

    def on_scroll(e: ft.OnScrollEvent) -> None:
        kind = e.event_type.value if hasattr(e.event_type, "value") else str(e.event_type)
        if pull.feed(kind, e.pixels, e.overscroll, time.monotonic()):
            env.toast(t("phone.refreshing"))
            env.page.run_task(env.core.sync_now)

    return on_scroll
