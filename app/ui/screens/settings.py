"""Settings: language, theme, notification preferences (with push to a phone) and the account."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.ui.base import screen, text, use_env
from app.ui.screens.notify_settings import NotificationSettings

SETTINGS_WIDTH = 640


@ft.component
def Settings() -> ft.Control:
    env = use_env()
    core = env.core
    confirming, set_confirming = ft.use_state(False)

    def set_language(e: Any) -> None:
        env.prefs.language = e.control.value

    def set_theme(e: Any) -> None:
        env.prefs.theme = e.control.value

    async def sign_out(_: Any) -> None:
        if core.store.pending_count() and not confirming:
            set_confirming(True)
            return
        set_confirming(False)
        await core.sign_out()
        env.nav.screen = "home"
        env.nav.task_id = None

    pending = core.store.pending_count()
    return screen(
        [
            ft.Column(
                [
                    text(t("settings.title"), size=22, weight=ft.FontWeight.W_600),
                    text(t("settings.language"), weight=ft.FontWeight.W_600),
                    ft.RadioGroup(
                        value=env.prefs.language,
                        on_change=set_language,
                        content=ft.Row(
                            [
                                ft.Radio(value="system", label=t("settings.language.system")),
                                ft.Radio(value="zh-CN", label="简体中文"),
                                ft.Radio(value="en", label="English"),
                            ],
                            wrap=True,
                        ),
                    ),
                    text(t("settings.theme"), weight=ft.FontWeight.W_600),
                    ft.RadioGroup(
                        value=env.prefs.theme,
                        on_change=set_theme,
                        content=ft.Row(
                            [
                                ft.Radio(value="system", label=t("settings.theme.system")),
                                ft.Radio(value="light", label=t("settings.theme.light")),
                                ft.Radio(value="dark", label=t("settings.theme.dark")),
                            ],
                            wrap=True,
                        ),
                    ),
                    NotificationSettings(),
                    text(t("settings.account"), weight=ft.FontWeight.W_600),
                    text(t("settings.server", server=core.store.server_url or "-"), selectable=True),
                    text(t("settings.signed_in_as", account=core.store.account or "-"), selectable=True),
                    text(t("settings.unsynced_warning", n=pending), color=ft.Colors.ERROR)
                    if confirming
                    else ft.Container(),
                    ft.OutlinedButton(
                        t("settings.sign_out_anyway") if confirming else t("settings.sign_out"),
                        icon=ft.Icons.LOGOUT,
                        on_click=sign_out,
                    ),
                ],
                spacing=12,
                width=None if env.phone else SETTINGS_WIDTH,  # a readable column on a wide screen
            )
        ]
    )
