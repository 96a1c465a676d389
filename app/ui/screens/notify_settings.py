"""Settings → Notifications: which kinds reach me, reminder lead times, the overdue digest, quiet
hours and muted projects. Every choice is one store action on the synced preferences, so it works
offline and reaches the person's other devices and the server's pushes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import flet as ft

from app.i18n import t
from app.reminders import lead_text
from app.state import notify_prefs as np
from app.state.home import my_projects
from app.ui.base import text, use_env, use_store
from app.ui.screens.push_settings import PushToPhone

ENTITIES = ("notification_pref", "project", "member")


@ft.component
def NotificationSettings() -> ft.Control:
    env = use_env()
    store = env.core.store
    prefs, projects = use_store(lambda: (store.notification_prefs(), my_projects(store)), ENTITIES, [])

    def update(set_: dict[str, Any] | None = None, **mute: list[str]) -> None:
        if set_ is None and not mute:
            return
        store.update_notification_prefs(set_, **mute)

    phone = env.reminders is not None and env.reminders.os_scheduler is not None
    permission, set_permission = ft.use_state("")

    async def ask_permission(_: Any = None) -> None:
        """A phone's notification permission, asked when the person turns reminders on (the right
        moment: they just said they want them), or from the button while it is missing."""
        answer = await env.reminders.ensure_permission()
        set_permission(answer)

    async def open_system_settings(_: Any) -> None:
        await env.reminders.open_notification_settings()

    def on_kind(kind: str) -> Any:
        async def switch(e: Any) -> None:
            on = bool(e.control.value)
            update({"kinds": {kind: on}})
            if on and phone and kind in ("due_soon", "overdue"):
                await ask_permission()

        return switch

    def on_lead(minutes: int) -> Any:
        def toggle(_: Any) -> None:
            change = np.toggle_lead(prefs, minutes)
            if change is None:
                env.toast(t("settings.notify.lead_needed"))
                return
            update(change)

        return toggle

    def on_mute(project_id: str) -> Any:
        return lambda e: update(**{"mute_add" if e.control.value else "mute_remove": [project_id]})

    quiet_on = prefs.get("quiet_start") is not None
    hours = [ft.DropdownOption(key=v, text=v) for v in np.TIMES_OF_DAY]

    def quiet_end(end: str, label: str) -> ft.Control:
        """The start or the end of quiet hours, on the half hour."""
        return ft.Dropdown(
            value=prefs.get(f"quiet_{end}"),
            options=hours,
            on_select=lambda e: update(np.quiet_set(prefs, on=True, **{end: e.control.value})),
            label=label,
            dense=True,
            width=140,
        )

    leads = set(prefs.get("due_soon_leads") or ())
    due_soon_on = np.kind_on(prefs, "due_soon")
    digest_options = [ft.DropdownOption(key="off", text=t("reminders.settings.off")), *hours]
    return ft.Column(
        [
            text(t("settings.notify.title"), weight=ft.FontWeight.W_600),
            text(t("settings.notify.hint"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            PushToPhone(),
            ft.Row(
                [
                    text(t(f"settings.notify.permission.{permission or 'unknown'}"), size=12, expand=True),
                    ft.TextButton(t("settings.notify.allow"), on_click=ask_permission)
                    if permission in ("", "denied")
                    else ft.TextButton(t("settings.notify.system_settings"), on_click=open_system_settings),
                ],
                visible=phone and permission != "granted",
            ),
            *[
                ft.Switch(
                    label=t(f"settings.notify.kind.{kind}"), value=np.kind_on(prefs, kind), on_change=on_kind(kind)
                )
                for kind in np.KINDS
            ],
            text(t("reminders.settings.leads"), weight=ft.FontWeight.W_500),
            ft.Row(
                [
                    ft.Chip(
                        label=ft.Text(lead_text_of(minutes)),
                        selected=minutes in leads,
                        on_select=on_lead(minutes),
                        disabled=not due_soon_on,
                    )
                    for minutes in np.LEAD_CHOICES
                ],
                wrap=True,
            ),
            ft.Row(
                [
                    text(t("reminders.settings.digest"), weight=ft.FontWeight.W_500, expand=True),
                    ft.Dropdown(
                        value=prefs.get("digest_at") or "off",
                        options=digest_options,
                        on_select=lambda e: update(np.digest_set(e.control.value)),
                        disabled=not np.kind_on(prefs, "overdue"),
                        dense=True,
                        width=140,
                    ),
                ]
            ),
            ft.Switch(
                label=t("reminders.settings.quiet"),
                value=quiet_on,
                on_change=lambda e: update(np.quiet_set(prefs, on=bool(e.control.value))),
            ),
            ft.Row(
                [
                    quiet_end("start", t("settings.notify.quiet_from")),
                    quiet_end("end", t("settings.notify.quiet_to")),
                ],
                wrap=True,
                visible=quiet_on,
            ),
            text(t("settings.notify.quiet_hint"), size=12, color=ft.Colors.ON_SURFACE_VARIANT, visible=quiet_on),
            text(t("settings.notify.projects"), weight=ft.FontWeight.W_500),
            *[
                ft.Switch(
                    label=t("settings.notify.mute", project=f"{p['key']} {p['name']}"),
                    value=np.muted(prefs, p["id"]),
                    on_change=on_mute(p["id"]),
                )
                for p in projects
            ],
        ],
        spacing=8,
    )


def lead_text_of(minutes: int) -> str:
    return lead_text(timedelta(minutes=minutes))
