"""Home: my tasks by due date, my projects, the inbox's count; on a phone, my tasks first with the
projects in one strip, pull to sync and a floating "new task" button."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import CardView
from app.state.home import TaskGroup, my_projects, my_task_groups
from app.state.pull import Pull
from app.ui.base import Entry, chip, screen, task_row, text, use_env, use_store
from app.ui.phone import new_task_button, pull_to_sync
from app.ui.project_parts import NewProjectButton

HOME_ROWS = 50  # task rows home draws before "show all"


@ft.component
def Home() -> ft.Control:
    env = use_env()
    store = env.core.store
    groups = use_store(lambda: my_task_groups(store), ("task", "status", "user"), [])
    projects = use_store(lambda: my_projects(store), ("project", "member"), [])
    unread = use_store(store.unread_count, ("notification",), [])
    me = use_store(store.me, ("user",), [])
    everything, set_everything = ft.use_state(False)  # "show all": past the first HOME_ROWS tasks

    def open_task(card: CardView) -> None:
        row = store.task(card.id)
        env.nav.open_task(card.id, row["project_id"] if row else None)

    def open_project(project_id: str) -> None:
        env.nav.task_id = None
        env.nav.go("board", project_id)

    task_list = _task_list(
        groups, None if everything else HOME_ROWS, open_task, env.phone, lambda: set_everything(True)
    )
    hello = t("home.hello", name=me["display_name"]) if me else t("nav.home")
    top = ft.Row(
        [
            text(hello, size=18 if env.phone else 22, weight=ft.FontWeight.W_600, expand=True, max_lines=1),
            ft.TextButton(
                t("home.unread", n=unread), icon=ft.Icons.NOTIFICATIONS_OUTLINED, on_click=lambda _: env.nav.go("inbox")
            ),
        ]
    )
    if env.phone:
        return PhoneHome(top, projects, task_list, open_project)
    return screen(
        [
            top,
            text(t("home.projects"), size=16, weight=ft.FontWeight.W_600),
            NewProjectButton(),
            ft.Row([_project_card(p, open_project) for p in projects], wrap=True, spacing=12, run_spacing=12),
            text(t("home.my_tasks"), size=16, weight=ft.FontWeight.W_600),
            *task_list,
        ],
        spacing=10,
    )


def _task_list(
    groups: list[TaskGroup], limit: int | None, open_task: Any, phone: bool, show_all: Any
) -> list[ft.Control]:
    """The groups' headers (with their full counts) and task rows, the rows stopping at `limit`
    with a button that shows the rest: Flet builds, diffs and sends every row, and unmounts them
    again when the board opens, so 500 rows made both home and the board's opening slow."""
    out: list[ft.Control] = []
    shown = 0
    for group in groups:
        if limit is not None and shown >= limit:
            break
        color = ft.Colors.ERROR if group.overdue else None
        out.append(
            ft.Row(
                [
                    text(t(f"home.group.{group.name}"), weight=ft.FontWeight.W_600, color=color),
                    chip(str(len(group.cards)), tone="danger" if group.overdue else "plain"),
                ],
                spacing=8,
            )
        )
        cards = group.cards if limit is None else group.cards[: limit - shown]
        out += [task_row(c, lambda _, c=c: open_task(c), phone=phone) for c in cards]
        shown += len(cards)
    total = sum(len(g.cards) for g in groups)
    if shown < total:
        out.append(ft.TextButton(t("home.show_all", n=total), on_click=lambda _: show_all()))
    if not groups:
        out.append(text(t("home.no_tasks"), color=ft.Colors.ON_SURFACE_VARIANT))
    return out


def _project_card(p: dict[str, Any], open_project: Any) -> ft.Control:
    return ft.Container(
        ft.Column(
            [
                ft.Row(
                    [
                        chip(p["key"]),
                        text(t(f"kind.{p.get('kind', 'general')}"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    ]
                ),
                text(p["name"], weight=ft.FontWeight.W_600, max_lines=2),
                text(t(f"role.{p['role']}"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=6,
            tight=True,
        ),
        width=240,
        padding=12,
        border_radius=10,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        on_click=lambda _: open_project(p["id"]),
        ink=True,
    )


@ft.component
def PhoneHome(
    top: ft.Control, projects: list[dict[str, Any]], task_list: list[ft.Control], open_project: Any
) -> ft.Control:
    """Home on a phone starts with my tasks: the projects are one compact strip above them, a pull
    at the top syncs, and the floating button adds a task to a project."""
    env = use_env()
    pull: Pull = ft.use_ref(Pull).current
    adding, set_adding = ft.use_state(False)
    strip = ft.Row(
        [
            ft.Container(
                ft.Row(
                    [text(p["key"], size=12, weight=ft.FontWeight.W_600), text(p["name"], size=12, max_lines=1)],
                    spacing=6,
                    tight=True,
                ),
                padding=ft.Padding.symmetric(horizontal=10, vertical=6),
                border_radius=16,
                border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                on_click=lambda _, p=p: open_project(p["id"]),
                ink=True,
            )
            for p in projects
        ]
        + [NewProjectButton()],
        spacing=6,
        scroll=ft.ScrollMode.HIDDEN,
    )
    body: list[ft.Control] = [top, strip]
    if adding and projects:
        body.append(HomeQuickAdd(projects, lambda: set_adding(False)))
    body += [text(t("home.my_tasks"), size=16, weight=ft.FontWeight.W_600), *task_list]
    column = ft.Column(
        body, spacing=8, scroll=ft.ScrollMode.AUTO, expand=True, on_scroll=pull_to_sync(env, pull), scroll_interval=50
    )
    layers: list[ft.Control] = [ft.Container(column, padding=12, expand=True)]
    if projects:
        layers.append(new_task_button(lambda _: set_adding(True)))
    return ft.Stack(layers, expand=True)


@ft.component
def HomeQuickAdd(projects: list[dict[str, Any]], on_close: Any) -> ft.Control:
    """A task from home: which project, then its title (it lands at the top of the first column)."""
    env = use_env()
    store = env.core.store
    project_id, set_project_id = ft.use_state(projects[0]["id"])

    def add(title: str) -> None:
        if not title:
            on_close()
            return
        statuses = store.statuses(project_id)
        status_id = statuses[0]["id"] if statuses else None
        position = store.top_position(project_id, status_id) if status_id else None
        store.create_task(project_id, title, status_id=status_id, position=position)
        env.toast(t("board.created", title=title))
        on_close()

    return ft.Column(
        [
            ft.Dropdown(
                value=project_id,
                options=[ft.DropdownOption(key=p["id"], text=f"{p['key']} · {p['name']}") for p in projects],
                on_select=lambda e: set_project_id(e.control.value or projects[0]["id"]),
                dense=True,
                expand=True,
            ),
            Entry(
                t("board.quick_add_hint"),
                add,
                autofocus=True,
                suffix=ft.IconButton(
                    ft.Icons.CLOSE, on_click=lambda _: on_close(), tooltip=t("common.close"), icon_size=16
                ),
            ),
        ],
        spacing=6,
    )
