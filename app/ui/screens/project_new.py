"""A new project: name, key (suggested from the name and checked against the cache as it is typed),
kind and description. Creating it is one store action, so it works offline like any other edit;
a key the server finds taken comes back here as a refusal, with a way to try another key."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import flet as ft

from app.i18n import t
from app.state.projects import KINDS, NewProject, retry_form, taken_keys
from app.ui.base import text, typing, use_env, use_store
from app.ui.project_parts import notice, page, refusal_text, use_latest

KIND_ICONS = {
    "product": ft.Icons.ROCKET_LAUNCH_OUTLINED,
    "campaign": ft.Icons.CAMPAIGN_OUTLINED,
    "service_desk": ft.Icons.SUPPORT_AGENT,
    "general": ft.Icons.FOLDER_OUTLINED,
}


def _problem(field: str, code: str | None, key: str) -> str | None:
    return t(f"projects.problem.{field}.{code}", key=key) if code else None


def _kind_choice(kind: str, selected: bool, choose: Any, phone: bool) -> ft.Control:
    return ft.Container(
        ft.Row(
            [
                ft.Icon(KIND_ICONS.get(kind, ft.Icons.FOLDER_OUTLINED), color=ft.Colors.PRIMARY),
                ft.Column(
                    [
                        text(t(f"kind.{kind}"), weight=ft.FontWeight.W_600),
                        text(t(f"projects.kind_help.{kind}"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=2,
                    tight=True,
                    expand=True,
                ),
                ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.PRIMARY, visible=selected),
            ],
            spacing=12,
        ),
        width=None if phone else 322,
        padding=12,
        border_radius=10,
        border=ft.Border.all(2 if selected else 1, ft.Colors.PRIMARY if selected else ft.Colors.OUTLINE_VARIANT),
        bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
        on_click=lambda _: choose(kind),
        ink=True,
    )


@ft.component
def Refused(retry: Any) -> ft.Control:
    """Projects the server did not create (a key someone else's project has): why, and a retry."""
    env = use_env()
    store = env.core.store
    refused = use_store(lambda: [r for r in store.rejections() if r.name == "project.create"], (), [], outbox=True)
    rows = [
        ft.Container(
            ft.Column(
                [
                    notice(
                        t(
                            "projects.refused_create",
                            name=r.args.get("name", ""),
                            key=r.args.get("key", ""),
                            reason=refusal_text(r.code, r.message),
                        ),
                        error=True,
                    ),
                    ft.Row(
                        [
                            ft.TextButton(t("projects.retry_create"), on_click=lambda _, r=r: retry(r)),
                            ft.TextButton(t("projects.dismiss"), on_click=lambda _, r=r: store.dismiss(r.id)),
                        ],
                        wrap=True,
                    ),
                ],
                spacing=4,
            ),
            padding=10,
            border_radius=8,
            bgcolor=ft.Colors.ERROR_CONTAINER,
        )
        for r in refused
    ]
    return ft.Column(rows, spacing=8, visible=bool(rows))


@ft.component
def ProjectNew() -> ft.Control:
    env = use_env()
    nav, store = env.nav, env.core.store
    form, set_form, latest = use_latest(NewProject())
    taken = use_store(lambda: taken_keys(store), ("project",), [])
    problems = form.problems(taken)
    phone = env.phone

    def shown(field: str) -> str | None:
        code = problems.get(field)
        if code is None:
            return None
        # Before Create is pressed, say only what is wrong with what was typed (not what is missing).
        if not form.tried and (code == "empty" or (field == "name" and not form.name)):
            return None
        return _problem(field, code, form.key)

    def create(_: Any = None) -> None:
        form = latest.current
        project_id = form.create(store)
        if project_id is None:
            set_form(lambda f: replace(f, tried=True))
            return
        env.toast(t("projects.new.created", name=form.name.strip()))
        nav.task_id = None
        nav.go("board", project_id)

    def retry(rejection: Any) -> None:
        set_form(retry_form(rejection, store))
        store.dismiss(rejection.id)

    name = ft.TextField(
        **typing(env),
        label=t("projects.new.name"),
        hint_text=t("projects.new.name_hint"),
        value=form.name,
        on_change=lambda e: set_form(lambda f: f.with_name(e.control.value or "", taken)),
        on_submit=create,
        error=shown("name"),
        autofocus=not phone,
    )
    key = ft.TextField(
        **typing(env),
        label=t("projects.new.key"),
        value=form.key,
        on_change=lambda e: set_form(lambda f: f.with_key(e.control.value or "")),
        on_submit=create,
        error=shown("key"),
        helper=t("projects.new.key_help", key=form.key or "KEY"),
        helper_max_lines=3,
        capitalization=ft.TextCapitalization.CHARACTERS,
        prefix_icon=ft.Icons.TAG,
        width=None if phone else 320,
    )
    kinds = [_kind_choice(k, k == form.kind, lambda k: set_form(lambda f: replace(f, kind=k)), phone) for k in KINDS]
    description = ft.TextField(
        **typing(env),
        label=t("projects.new.description"),
        value=form.description,
        on_change=lambda e: set_form(lambda f: replace(f, description=e.control.value or "")),
        multiline=True,
        min_lines=2 if phone else 3,
        max_lines=8,
        error=shown("description"),
    )
    buttons = ft.Row(
        [
            ft.FilledButton(t("projects.new.create"), icon=ft.Icons.CHECK, on_click=create, expand=phone, height=44),
            ft.OutlinedButton(t("projects.new.cancel"), on_click=lambda _: nav.go("home"), height=44),
        ],
        spacing=12,
        alignment=ft.MainAxisAlignment.END if not phone else ft.MainAxisAlignment.START,
    )
    return page(
        t("projects.new.title"),
        lambda _: nav.go("home"),
        [
            text(t("projects.new.intro"), color=ft.Colors.ON_SURFACE_VARIANT),
            Refused(retry),
            name,
            key,
            text(t("projects.new.kind"), weight=ft.FontWeight.W_600),
            ft.Row(kinds, wrap=True, spacing=12, run_spacing=12) if not phone else ft.Column(kinds, spacing=8),
            description,
            buttons,
        ],
        phone=phone,
    )
