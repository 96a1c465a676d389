"""Widgets the desk's queue and the ticket detail share: the SLA countdown chip, the clock that
redraws countdowns, and the names of categories and channels."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import flet as ft

from app.i18n import t
from app.state.countdown import TICK_S, Countdown
from app.ui.base import use_env

# The countdown's colours by state (background, text): amber from 75%, red once breached.
CLOCK_TONES: dict[str, tuple[Any, Any]] = {
    "ok": (ft.Colors.SURFACE_CONTAINER_HIGHEST, ft.Colors.ON_SURFACE),
    "warning": (ft.Colors.AMBER_200, ft.Colors.BLACK),
    "breached": (ft.Colors.RED_600, ft.Colors.WHITE),
    "paused": (ft.Colors.SURFACE_CONTAINER_HIGHEST, ft.Colors.ON_SURFACE_VARIANT),
    "met": (ft.Colors.GREEN_100, ft.Colors.GREEN_900),
}
CLOCK_ICONS: dict[str, Any] = {
    "ok": ft.Icons.TIMER_OUTLINED,
    "warning": ft.Icons.HOURGLASS_BOTTOM,
    "breached": ft.Icons.ALARM,
    "paused": ft.Icons.PAUSE_CIRCLE_OUTLINE,
    "met": ft.Icons.CHECK_CIRCLE_OUTLINE,
}


def clock_chip(clock: Countdown, *, prefix: str = "") -> ft.Control:
    """The countdown as a coloured pill, with a tooltip naming its state (colour is never alone)."""
    background, foreground = CLOCK_TONES.get(clock.state, CLOCK_TONES["ok"])
    label = f"{prefix} {clock.label}".strip()
    tip = t(f"desk.sla.{clock.which}") if clock.which else t("desk.sla.met")
    if clock.state in ("warning", "breached"):
        tip = f"{tip} · {t(f'desk.sla.{clock.state}')}"
    return ft.Container(
        ft.Row(
            [
                ft.Icon(CLOCK_ICONS.get(clock.state), size=13, color=foreground),
                ft.Text(label, size=12, color=foreground),
            ],
            spacing=3,
            tight=True,
        ),
        padding=ft.Padding.symmetric(horizontal=6, vertical=2),
        border_radius=10,
        bgcolor=background,
        tooltip=tip,
    )


def use_tick(seconds: float = TICK_S) -> int:
    """A number that grows every `seconds` while the component is shown: a dependency that makes the
    countdowns be worked out again (the store's clock is computed at the time of the read)."""
    env = use_env()
    tick, set_tick = ft.use_state(0)

    def start() -> Any:
        running = {"on": True}

        async def loop() -> None:
            while running["on"]:
                await asyncio.sleep(seconds)
                if running["on"]:
                    with contextlib.suppress(RuntimeError):  # the session ended
                        set_tick(lambda n: n + 1)

        with contextlib.suppress(RuntimeError):
            env.page.run_task(loop)
        return lambda: running.update(on=False)

    ft.use_effect(start, [])
    return tick


def category_name(category: str) -> str:
    return t(f"desk.category.{category}")


def channel_name(channel: str) -> str:
    return t(f"desk.channel.{channel}")
