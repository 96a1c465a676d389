"""The members part of project settings: add a colleague by email (the one step that needs the
network, said plainly when offline), change roles, remove people, and leave the project."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.fmt import initials
from app.state.project_settings import MemberLine, SettingsView, found_people, role_choices
from app.ui.base import avatar, chip, text, typing, unsynced_mark, use_env
from app.ui.project_parts import notice, section, use_latest
from sync.people import find_person

DEFAULT_ROLE = "member"


def role_menu(
    value: str, choices: tuple[str, ...] | list[str], on_select: Any, width: float = 140, *, label: str | None = None
) -> ft.Control:
    return ft.Dropdown(
        tooltip=label,  # whose role it is, for screen readers and tests (a Semantics wrapper hid the menu)
        value=value,
        options=[ft.DropdownOption(key=r, text=t(f"role.{r}")) for r in choices],
        on_select=on_select,
        dense=True,
        width=width,
        label=t("projects.member.role"),
    )


@ft.component
def MemberRow(line: MemberLine, project_id: str) -> ft.Control:
    env = use_env()
    store = env.core.store
    name = line.name or t("projects.member.unknown")
    title = name + (t("projects.member.you") if line.is_me else "")
    who = ft.Column(
        [
            text(title, weight=ft.FontWeight.W_600, max_lines=1),
            text(line.email, size=12, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1, visible=bool(line.email)),
        ],
        spacing=0,
        tight=True,
        expand=True,
    )
    cells: list[ft.Control] = [avatar(initials(line.name or line.email), name, 36), who, unsynced_mark(line.pending)]
    if line.choices:
        cells.append(
            role_menu(
                line.role,
                line.choices,
                lambda e: store.put_member(project_id, line.user_id, e.control.value),
                label=t("projects.member.role_of", name=name),
            )
        )
    else:
        cells.append(chip(t(f"role.{line.role}")))
    if line.removable and not line.is_me:
        cells.append(
            ft.IconButton(
                ft.Icons.PERSON_REMOVE_OUTLINED,
                tooltip=t("projects.member.remove"),
                on_click=lambda _: store.remove_member(project_id, line.user_id),
            )
        )
    return ft.Row(cells, spacing=10)


@ft.component
def AddMember(view: SettingsView) -> ft.Control:
    env = use_env()
    core = env.core
    store = core.store
    email, set_email, typed = use_latest("")
    role, set_role, chosen = use_latest(DEFAULT_ROLE)
    message, set_message = ft.use_state(("", False))  # (text, is an error)
    busy, set_busy = ft.use_state(False)
    added, set_added = ft.use_state(0)  # a new field after each add: an emptied value did not clear the old one
    project_id = view.project["id"]
    choices = role_choices(view.role, DEFAULT_ROLE, view.owners)
    phase, set_phase = ft.use_state(core.status.phase)
    ft.use_effect(lambda: core.subscribe_status(lambda status: set_phase(status.phase)), [])
    offline = phase in ("offline", "ended", "signed_out")

    async def add(_: Any = None) -> None:
        email, role = typed.current, chosen.current
        if busy or not email.strip():
            return
        set_busy(True)
        set_message((t("projects.member.searching"), False))
        found = await find_person(store, core.remote, email)
        set_busy(False)
        if found.user is None:
            set_message((t(f"projects.lookup.{found.problem}"), True))
            return
        user = found.user
        name = user.get("display_name") or user.get("email") or ""
        if store.role(project_id, user["id"]) is not None:
            set_message((t("projects.member.already", name=name), True))
            return
        found_people[str(user["id"])] = dict(user)
        store.put_member(project_id, user["id"], role)
        set_email("")
        set_added(lambda n: n + 1)
        set_message((t("projects.member.added", name=name), False))

    field = ft.TextField(
        **typing(env),
        key=f"email-{added}",
        value=email,
        label=t("projects.member.email_hint"),
        keyboard_type=ft.KeyboardType.EMAIL,
        prefix_icon=ft.Icons.MAIL_OUTLINE,
        on_change=lambda e: set_email(e.control.value or ""),
        on_submit=add,
        dense=True,
        expand=True,
        disabled=busy,
    )
    button = ft.FilledTonalButton(
        t("projects.member.add"), icon=ft.Icons.PERSON_ADD_ALT, on_click=add, disabled=busy or not email.strip()
    )
    menu = role_menu(role, choices, lambda e: set_role(e.control.value or DEFAULT_ROLE))
    rows: list[ft.Control] = (
        [ft.Row([field]), ft.Row([menu, ft.Container(expand=True), button])]
        if env.phone
        else [ft.Row([field, menu, button], spacing=8)]
    )
    if offline:
        rows.append(notice(t("projects.member.needs_network"), icon=ft.Icons.CLOUD_OFF_OUTLINED))
    if message[0]:
        rows.append(notice(message[0], error=message[1]))
    return ft.Column(rows, spacing=8)


@ft.component
def Leave(view: SettingsView, me: MemberLine | None) -> ft.Control:
    env = use_env()
    confirming, set_confirming = ft.use_state(False)
    if me is None:
        return ft.Container()
    if not me.removable:
        return notice(t("projects.member.last_owner"))

    def leave(_: Any) -> None:
        if not confirming:
            set_confirming(True)
            return
        env.core.store.remove_member(view.project["id"], me.user_id)
        env.nav.project_id = None
        env.nav.go("home")

    controls: list[ft.Control] = []
    if confirming:
        controls.append(notice(t("projects.member.leave_confirm"), error=True))
    controls.append(
        ft.Row(
            [
                ft.OutlinedButton(
                    t("projects.member.leave_yes") if confirming else t("projects.member.leave"),
                    icon=ft.Icons.LOGOUT,
                    on_click=leave,
                    style=ft.ButtonStyle(color=ft.Colors.ERROR),
                ),
                ft.TextButton(t("projects.new.cancel"), on_click=lambda _: set_confirming(False), visible=confirming),
            ]
        )
    )
    return ft.Column(controls, spacing=6)


@ft.component
def MemberSection(view: SettingsView) -> ft.Control:
    project_id = view.project["id"]
    rows: list[ft.Control] = []
    if view.can_manage:
        rows.append(AddMember(view))
    rows += [MemberRow(m, project_id, key=f"{m.user_id}-{m.role}-{m.name}") for m in view.members]
    rows.append(Leave(view, next((m for m in view.members if m.is_me), None)))
    return section(t("projects.section.members"), rows)
