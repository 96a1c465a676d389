"""Sign in: a server URL, an email and a password, or one click on "Try the demo"; then the first
sync with a progress bar (rows so far / total)."""

from __future__ import annotations

import logging

import flet as ft

from app.core import SignInError, SyncStatus
from app.i18n import t
from app.problems import DEMO, problem_of
from app.ui.base import text, use_env

log = logging.getLogger("keel.app")


def error_text(exc: Exception) -> str:
    """A failed sign-in in the person's words (app.problems); the detail went to the log."""
    if isinstance(exc, SignInError):
        return t(exc.problem)
    return t(problem_of(exc, log_as="sign-in failed"))


@ft.component
def SignIn(default_server: str) -> ft.Control:
    env = use_env()
    busy, set_busy = ft.use_state(False)
    error, set_error = ft.use_state("")
    fields = ft.use_ref(lambda: {"server": "", "email": "", "password": ""})
    server, set_server = ft.use_state("")

    async def suggest() -> None:
        # Only a server that answers: the last one used, the --server given, or the default.
        found = await env.core.running_server([env.core.store.server_url, default_server])
        if found and not fields.current["server"]:
            fields.current["server"] = found
            set_server(found)

    ft.use_effect(suggest, [])

    def on_field(name: str):  # type: ignore[no-untyped-def]
        def handler(e: ft.Event[ft.TextField]) -> None:
            fields.current[name] = e.control.value or ""
            if name == "server":
                set_server(fields.current[name])

        return handler

    async def sign_in(_: ft.Event[ft.Button] | None = None) -> None:
        values = fields.current
        if not values["server"].strip() or not values["email"].strip() or not values["password"]:
            set_error(t("signin.error.missing"))
            return
        set_busy(True)
        set_error("")
        try:
            await env.core.sign_in(values["server"], values["email"], values["password"])
        except Exception as exc:
            set_error(error_text(exc))
            set_busy(False)

    async def try_demo(_: ft.Event[ft.Button]) -> None:
        from app.ui.session import start_demo

        log.info("the demo sign-in was pressed")
        set_busy(True)
        set_error("")
        try:
            await start_demo(env)
        except SignInError as exc:
            set_error(error_text(exc))
            set_busy(False)
        except Exception as exc:  # the demo server did not start: the reason goes to the log
            problem_of(exc, log_as="the demo did not start")
            set_error(t(DEMO))
            set_busy(False)

    form = ft.Column(
        [
            ft.Row(
                [
                    ft.Icon(ft.Icons.SAILING, size=36, color=ft.Colors.PRIMARY),
                    text("Keel", size=30, weight=ft.FontWeight.W_700),
                ],
                alignment=ft.MainAxisAlignment.CENTER,
            ),
            text(t("signin.tagline"), color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
            ft.Container(height=8),
            ft.FilledButton(
                t("signin.try_demo"),
                icon=ft.Icons.PLAY_ARROW,
                on_click=try_demo,
                disabled=busy,
                width=360,
                height=44,
            ),
            ft.Row(
                [
                    ft.Container(ft.Divider(), expand=True),
                    text(t("signin.or"), size=12),
                    ft.Container(ft.Divider(), expand=True),
                ]
            ),
            ft.TextField(
                label=t("signin.server"),
                value=server,
                on_change=on_field("server"),
                keyboard_type=ft.KeyboardType.URL,
                disabled=busy,
                prefix_icon=ft.Icons.DNS_OUTLINED,
            ),
            ft.TextField(
                label=t("signin.email"),
                on_change=on_field("email"),
                keyboard_type=ft.KeyboardType.EMAIL,
                disabled=busy,
                prefix_icon=ft.Icons.MAIL_OUTLINE,
                autofill_hints=[ft.AutofillHint.EMAIL],
            ),
            ft.TextField(
                label=t("signin.password"),
                password=True,
                can_reveal_password=True,
                on_change=on_field("password"),
                on_submit=sign_in,
                disabled=busy,
                prefix_icon=ft.Icons.LOCK_OUTLINE,
            ),
            ft.OutlinedButton(t("signin.submit"), on_click=sign_in, disabled=busy, width=360, height=44),
            text(error, color=ft.Colors.ERROR, selectable=True) if error else ft.Container(),
        ],
        width=360,
        spacing=14,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    return ft.Container(
        ft.Column([form], scroll=ft.ScrollMode.AUTO, horizontal_alignment=ft.CrossAxisAlignment.CENTER),
        alignment=ft.Alignment.CENTER,
        expand=True,
        padding=24,
    )


@ft.component
def FirstSync(status: SyncStatus) -> ft.Control:
    """The first sync: rows so far of the estimated total, as a bar and in words."""
    fraction = None
    if status.total:
        fraction = min(1.0, status.rows / status.total)
    label = (
        t("signin.syncing_rows", rows=status.rows, total=status.total) if status.total else t("signin.syncing_start")
    )
    return ft.Container(
        ft.Column(
            [
                ft.Icon(ft.Icons.CLOUD_DOWNLOAD_OUTLINED, size=40, color=ft.Colors.PRIMARY),
                text(t("signin.first_sync"), size=20, weight=ft.FontWeight.W_600),
                ft.ProgressBar(value=fraction, width=320),
                text(label, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=16,
            tight=True,
        ),
        alignment=ft.Alignment.CENTER,
        expand=True,
    )
