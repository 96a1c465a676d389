"""The sync status in the top bar, and its panel of rejected edits (the shell draws both)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from app.core import SyncStatus
from app.i18n import has, t
from app.problems import REFUSED
from app.state.fmt import relative_time
from app.ui.base import text, use_env, use_store


def status_text(status: SyncStatus) -> str:
    phase = {"bootstrapping": "syncing"}.get(status.phase, status.phase)
    label = t(f"sync.{phase}")
    if status.pending:
        label += " · " + t("sync.pending", n=status.pending)
    if status.rejected:
        label += " · " + t("sync.rejected", n=status.rejected)
    return label


STATUS_ICONS = {
    "online": (ft.Icons.CLOUD_DONE_OUTLINED, ft.Colors.GREEN_600),
    "syncing": (ft.Icons.SYNC, ft.Colors.BLUE_600),
    "bootstrapping": (ft.Icons.SYNC, ft.Colors.BLUE_600),
    "offline": (ft.Icons.CLOUD_OFF_OUTLINED, ft.Colors.GREY_600),
    "ended": (ft.Icons.ERROR_OUTLINE, ft.Colors.RED_600),
    "signed_out": (ft.Icons.CLOUD_OFF_OUTLINED, ft.Colors.GREY_600),
}


@ft.component
def SyncBadge(status: SyncStatus, compact: bool) -> ft.Control:
    env = use_env()
    icon, color = STATUS_ICONS.get(status.phase, STATUS_ICONS["offline"])
    label = status_text(status)
    return ft.Container(
        ft.Row(
            [
                ft.Icon(icon, color=color, size=18),
                text(label, size=12, visible=not compact, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Container(
                    text(str(status.pending), size=10, color=ft.Colors.WHITE),
                    bgcolor=ft.Colors.AMBER_700,
                    border_radius=8,
                    padding=ft.Padding.symmetric(horizontal=5),
                    visible=compact and status.pending > 0,
                ),
            ],
            spacing=6,
            tight=True,
        ),
        on_click=lambda _: setattr(env.nav, "sync_panel", True),
        tooltip=label,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
        border_radius=12,
        ink=True,
    )


@ft.component
def SyncPanel(status: SyncStatus) -> ft.Control:
    env = use_env()
    store = env.core.store
    rejections = use_store(store.rejections, (), [], outbox=True)

    def retry(rejection: Any) -> None:
        store.dismiss(rejection.id)
        store.mutate(rejection.name, rejection.args)

    rows: list[ft.Control] = [
        ft.Container(
            ft.Column(
                [
                    text(
                        t(f"mutation.{r.name}") + " · " + relative_time(r.rejected_at, datetime.now().astimezone()),
                        weight=ft.FontWeight.W_600,
                        size=13,
                    ),
                    # The server's own message is for `keel status` and the log, not for people.
                    text(t(f"reject.{r.code}") if has(f"reject.{r.code}") else t(REFUSED), size=13),
                    ft.Row(
                        [
                            ft.TextButton(t("sync.retry"), on_click=lambda _, r=r: retry(r)),
                            ft.TextButton(t("sync.dismiss"), on_click=lambda _, r=r: store.dismiss(r.id)),
                        ]
                    ),
                ],
                spacing=4,
            ),
            padding=10,
            border_radius=8,
            border=ft.Border.all(1, ft.Colors.ERROR_CONTAINER),
        )
        for r in rejections
    ]
    return ft.Container(
        ft.Column(
            [
                ft.Row(
                    [
                        text(t("sync.panel_title"), size=18, weight=ft.FontWeight.W_600, expand=True),
                        ft.IconButton(
                            ft.Icons.CLOSE,
                            tooltip=t("common.close"),
                            on_click=lambda _: setattr(env.nav, "sync_panel", False),
                        ),
                    ]
                ),
                text(status_text(status)),
                text(
                    t(status.error) if status.error else "", size=12, color=ft.Colors.ERROR, visible=bool(status.error)
                ),
                ft.FilledTonalButton(
                    t("sync.now"), icon=ft.Icons.SYNC, on_click=lambda _: env.page.run_task(env.core.sync_now)
                ),
                text(t("sync.rejected_title", n=len(rejections)), weight=ft.FontWeight.W_600),
                *(rows or [text(t("sync.no_rejections"), color=ft.Colors.ON_SURFACE_VARIANT)]),
            ],
            spacing=10,
            scroll=ft.ScrollMode.AUTO,
        ),
        padding=16,
        width=420,
        bgcolor=ft.Colors.SURFACE,
        border=ft.Border.only(left=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
