"""Home (my tasks by due date, my projects, the inbox's count), settings,
the sync status with its panel of rejected edits, and the command palette."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from app.core import SyncStatus
from app.i18n import has, t
from app.problems import REFUSED
from app.state import palette as palette_state
from app.state.board import CardView
from app.state.fmt import relative_time
from app.state.home import my_projects, my_task_groups
from app.state.pull import Pull
from app.ui.base import Entry, chip, screen, task_row, text, use_env, use_store
from app.ui.notify_settings import NotificationSettings
from app.ui.phone import new_task_button, pull_to_sync
from app.ui.project_parts import NewProjectButton

SETTINGS_WIDTH = 640


@ft.component
def Home() -> ft.Control:
    env = use_env()
    store = env.core.store
    groups = use_store(lambda: my_task_groups(store), ("task", "status", "user"), [])
    projects = use_store(lambda: my_projects(store), ("project", "member"), [])
    unread = use_store(store.unread_count, ("notification",), [])
    me = use_store(store.me, ("user",), [])

    def open_task(card: CardView) -> None:
        row = store.task(card.id)
        env.nav.open_task(card.id, row["project_id"] if row else None)

    def open_project(project_id: str) -> None:
        env.nav.task_id = None
        env.nav.go("board", project_id)

    task_list: list[ft.Control] = []
    for group in groups:
        color = ft.Colors.ERROR if group.overdue else None
        task_list.append(
            ft.Row(
                [
                    text(t(f"home.group.{group.name}"), weight=ft.FontWeight.W_600, color=color),
                    chip(str(len(group.cards)), tone="danger" if group.overdue else "plain"),
                ],
                spacing=8,
            )
        )
        task_list += [task_row(c, lambda _, c=c: open_task(c), phone=env.phone) for c in group.cards]
    if not groups:
        task_list.append(text(t("home.no_tasks"), color=ft.Colors.ON_SURFACE_VARIANT))
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


@ft.component
def Palette() -> ft.Control:
    env = use_env()
    query, set_query = ft.use_state("")
    results = palette_state.entries(env.core.store, query)

    def choose(entry: palette_state.Entry) -> None:
        env.nav.palette = False
        env.nav.go("board", entry.project_id)
        env.nav.task_id = entry.id if entry.kind == "task" else None

    def submit(_: Any) -> None:
        if results:
            choose(results[0])

    return ft.Container(
        ft.Container(
            ft.Column(
                [
                    ft.TextField(
                        value=query,
                        hint_text=t("palette.hint"),
                        autofocus=True,
                        on_change=lambda e: set_query(e.control.value or ""),
                        on_submit=submit,
                        prefix_icon=ft.Icons.SEARCH,
                    ),
                    *[
                        ft.ListTile(
                            leading=ft.Icon(
                                ft.Icons.VIEW_KANBAN_OUTLINED if r.kind == "project" else ft.Icons.TASK_ALT
                            ),
                            title=ft.Text(r.label, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                            on_click=lambda _, r=r: choose(r),
                            dense=True,
                        )
                        for r in results
                    ],
                    text(t("palette.none"), color=ft.Colors.ON_SURFACE_VARIANT, visible=bool(query) and not results),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                spacing=4,
                tight=True,
                scroll=ft.ScrollMode.AUTO,
            ),
            width=560,
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            shadow=ft.BoxShadow(blur_radius=24, color=ft.Colors.with_opacity(0.3, ft.Colors.BLACK)),
        ),
        alignment=ft.Alignment.TOP_CENTER,
        padding=ft.Padding.only(top=80),
        bgcolor=ft.Colors.with_opacity(0.35, ft.Colors.BLACK),
        on_click=lambda _: setattr(env.nav, "palette", False),
        expand=True,
    )


__all__ = ["Home", "Palette", "Settings", "SyncBadge", "SyncPanel"]
