"""Project settings: name and description, statuses (add, rename, reorder, change category, delete
when no task uses one), members (add by email, change role, remove, leave) and archiving.

Every edit is a store action, so it works offline; only finding someone new by email needs the
server. What my role cannot do is not shown (`app.state.project_settings` holds the rules), and
the server's refusals of these edits are listed at the top in the person's words.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.project_settings import (
    CATEGORIES,
    SettingsView,
    StatusLine,
    found_people,
    moved_positions,
    rejections_of,
    settings_view,
)
from app.ui.base import chip, text, typing, unsynced_mark, use_env, use_store
from app.ui.project_parts import notice, page, refusal_text, section, use_latest
from app.ui.screens.project_calendar import WorkCalendar
from app.ui.screens.project_members import MemberSection
from sync.protocol import MAX_NAME

_ENTITIES = ("project", "member", "status", "task", "user")


def category_menu(value: str, on_select: Any, *, disabled: bool = False, width: float = 140) -> ft.Control:
    return ft.Dropdown(
        value=value,
        options=[ft.DropdownOption(key=c, text=t(f"projects.category.{c}")) for c in CATEGORIES],
        on_select=on_select,
        dense=True,
        width=width,
        disabled=disabled,
        label=t("projects.status.category"),
    )


@ft.component
def General(project: dict[str, Any], editable: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    name, set_name, name_ref = use_latest(project["name"])
    description, set_description, description_ref = use_latest(project.get("description") or "")
    changed = (name.strip(), description.strip()) != (project["name"], (project.get("description") or "").strip())
    kind = t("projects.field.kind", kind=t(f"kind.{project.get('kind', 'general')}"), key=project["key"])

    def save(_: Any = None) -> None:
        name, description = name_ref.current.strip(), description_ref.current.strip()
        if not name or (name, description) == (project["name"], (project.get("description") or "").strip()):
            return
        store.update_project(project["id"], name=name, description=description)
        env.toast(t("projects.saved"))

    if not editable:
        lines = [text(project["name"], weight=ft.FontWeight.W_600), text(kind, size=12)]
        if project.get("description"):
            lines.append(text(project["description"], selectable=True))
        return section(t("projects.section.general"), lines)
    return section(
        t("projects.section.general"),
        [
            ft.TextField(
                **typing(env),
                label=t("projects.field.name"),
                value=name,
                on_change=lambda e: set_name(e.control.value or ""),
                on_submit=save,
                error=t("projects.problem.name.empty") if not name.strip() else None,
            ),
            ft.TextField(
                **typing(env),
                label=t("projects.field.description"),
                value=description,
                on_change=lambda e: set_description(e.control.value or ""),
                multiline=True,
                min_lines=2,
                max_lines=6,
            ),
            text(kind, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row(
                [ft.FilledTonalButton(t("projects.save"), icon=ft.Icons.SAVE, on_click=save, disabled=not changed)],
                alignment=ft.MainAxisAlignment.END,
            ),
        ],
    )


@ft.component
def StatusRow(line: StatusLine, index: int, lines: list[StatusLine], editable: bool, explain: Any) -> ft.Control:
    env = use_env()
    store = env.core.store
    name, set_name = ft.use_state(line.name)
    phone = env.phone
    locked = not editable or line.placeholder

    def rename(e: Any = None) -> None:
        typed = (e.control.value if e is not None and e.control is not None else name) or ""
        if typed.strip() and typed.strip() != line.name:
            store.update_status(line.id, name=typed.strip())

    def move(delta: int) -> None:
        for status_id, position in moved_positions(lines, index, delta).items():
            store.update_status(status_id, position=position)

    def delete(_: Any) -> None:
        problem = line.delete_problem(len(lines))
        if problem is not None:
            explain(line.id, t(f"projects.status.{problem}", name=line.name, n=line.tasks))
            return
        store.delete_status(line.id)
        env.toast(t("projects.status.deleted", name=line.name))

    count = text(t("projects.status.tasks", n=line.tasks), size=12, color=ft.Colors.ON_SURFACE_VARIANT)
    if locked:
        return ft.Row(
            [
                chip(t(f"projects.category.{line.category}")),
                text(line.name, expand=True, max_lines=1),
                count,
                unsynced_mark(line.pending),
            ],
            spacing=10,
        )
    field = ft.TextField(
        **typing(env, rename),
        value=name,
        label=t("projects.status.name"),
        on_change=lambda e: set_name(e.control.value or ""),
        on_submit=rename,
        dense=True,
        expand=True,
        max_length=MAX_NAME,
        counter=ft.Container(),  # the limit is enforced, its counter would only add noise
    )
    tools = [
        ft.IconButton(
            ft.Icons.ARROW_UPWARD, tooltip=t("projects.status.up"), on_click=lambda _: move(-1), disabled=index == 0
        ),
        ft.IconButton(
            ft.Icons.ARROW_DOWNWARD,
            tooltip=t("projects.status.down"),
            on_click=lambda _: move(1),
            disabled=index == len(lines) - 1,
        ),
        ft.IconButton(ft.Icons.DELETE_OUTLINE, tooltip=t("projects.status.delete"), on_click=delete),
    ]
    menu = category_menu(line.category, lambda e: store.update_status(line.id, category=e.control.value))
    if phone:  # two lines: the name full width, then its category and tools
        return ft.Container(
            ft.Column(
                [
                    ft.Row([field, unsynced_mark(line.pending)], spacing=6),
                    ft.Row([menu, count, ft.Container(expand=True), *tools], spacing=8),
                ],
                spacing=6,
            ),
            padding=ft.Padding.only(bottom=8),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        )
    return ft.Row([field, menu, count, unsynced_mark(line.pending), *tools], spacing=8)


@ft.component
def Statuses(view: SettingsView) -> ft.Control:
    env = use_env()
    store = env.core.store
    explained, set_explained = ft.use_state(("", ""))  # (status id, why it cannot be deleted)
    draft, set_draft, draft_ref = use_latest("")
    category, set_category, category_ref = use_latest(CATEGORIES[0])
    editable = view.can_manage

    def add(_: Any = None) -> None:
        if draft_ref.current.strip():
            store.create_status(view.project["id"], draft_ref.current.strip(), category_ref.current)
            set_draft("")

    rows: list[ft.Control] = []
    for i, line in enumerate(view.statuses):
        rows.append(
            StatusRow(
                line,
                i,
                view.statuses,
                editable,
                lambda sid, why: set_explained((sid, why)),
                key=f"{line.id}-{line.name}",
            )
        )
        if explained[0] == line.id:
            rows.append(notice(explained[1], error=True))
    if editable and any(s.placeholder for s in view.statuses):
        rows.append(notice(t("projects.status.placeholder")))
    if editable:
        field = ft.TextField(
            **typing(env),
            key=f"new-status-{len(view.statuses)}",  # a fresh field after an add (an emptied value stayed)
            value=draft,
            label=t("projects.status.new_hint"),
            on_change=lambda e: set_draft(e.control.value or ""),
            on_submit=add,
            dense=True,
            expand=True,
        )
        menu = category_menu(category, lambda e: set_category(e.control.value or CATEGORIES[0]))
        button = ft.FilledTonalButton(
            t("projects.status.add"), icon=ft.Icons.ADD, on_click=add, disabled=not draft.strip()
        )
        if env.phone:  # (a wrapping Row cannot hold an expanding field: Flutter draws an error box)
            rows += [ft.Row([field]), ft.Row([menu, ft.Container(expand=True), button])]
        else:
            rows.append(ft.Row([field, menu, button], spacing=8))
    return section(t("projects.section.statuses"), rows, note=t("projects.statuses_help"))


@ft.component
def Archive(view: SettingsView) -> ft.Control:
    env = use_env()
    archived = bool(view.project.get("archived"))
    return section(
        t("projects.section.archive"),
        [
            text(t("projects.archive_help"), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row(
                [
                    ft.OutlinedButton(
                        t("projects.unarchive") if archived else t("projects.archive"),
                        icon=ft.Icons.UNARCHIVE_OUTLINED if archived else ft.Icons.ARCHIVE_OUTLINED,
                        on_click=lambda _: env.core.store.update_project(view.project["id"], archived=not archived),
                    )
                ]
            ),
        ],
    )


@ft.component
def Refusals(project_id: str) -> ft.Control:
    env = use_env()
    store = env.core.store
    refused = use_store(lambda: rejections_of(store, project_id), (), [project_id], outbox=True)
    rows = [
        ft.Row(
            [
                ft.Column(
                    [
                        text(t(f"mutation.{r.name}"), size=12, weight=ft.FontWeight.W_600),
                        text(refusal_text(r.code, r.message), size=13),
                    ],
                    spacing=2,
                    expand=True,
                ),
                ft.TextButton(t("projects.dismiss"), on_click=lambda _, r=r: store.dismiss(r.id)),
            ]
        )
        for r in refused
    ]
    return ft.Container(
        ft.Column([text(t("projects.refused_title"), weight=ft.FontWeight.W_600), *rows], spacing=6),
        padding=12,
        border_radius=10,
        bgcolor=ft.Colors.ERROR_CONTAINER,
        visible=bool(rows),
    )


@ft.component
def ProjectSettings() -> ft.Control:
    env = use_env()
    nav, store = env.nav, env.core.store
    project_id = nav.project_id or ""
    view = use_store(lambda: settings_view(store, project_id, found_people), _ENTITIES, [project_id])

    def back(_: Any) -> None:
        nav.go("board" if view is not None else "home")

    if view is None:
        return page(t("projects.settings"), back, [text(t("board.no_project"))], phone=env.phone)
    controls: list[ft.Control] = [
        ft.Row([chip(view.project["key"]), text(view.project["name"], size=16, max_lines=1, expand=True)]),
    ]
    if view.project.get("archived"):
        controls.append(notice(t("projects.archived_banner"), icon=ft.Icons.ARCHIVE_OUTLINED))
    elif not view.can_manage:
        controls.append(notice(t("projects.readonly", role=t(f"role.{view.role}"))))
    controls += [
        Refusals(project_id),
        General(view.project, view.can_manage, key=f"general-{view.project['name']}-{view.project.get('description')}"),
        Statuses(view),
        WorkCalendar(view.project, view.can_manage),
        MemberSection(view),
    ]
    if view.can_archive:
        controls.append(Archive(view))
    return page(t("projects.settings"), back, controls, phone=env.phone)


__all__ = ["ProjectSettings"]
