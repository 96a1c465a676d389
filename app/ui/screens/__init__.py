"""The screens, one module each, and their registry: one `Screen` line per screen.

The shell draws whichever screen `Nav.screen` names and builds its navigation (the rail on a
desktop, the bar on a phone) from the lines that have icons. A new screen is one module here and
one line in `SCREENS` (docs/architecture.md, "Adding a screen").

Parts of a screen that are modules of their own sit beside it (`notify_settings` and
`push_settings` are sections of `settings`, `project_members` of `project_settings`); sign-in and
the first sync (`signin`) come before the shell, so `app.ui.shell.Root` chooses them, not the registry.

A line names its screen's component as "module.Name" and the module is imported when the screen is
first drawn, not with the registry: the first frame (sign-in, or home) needs neither the board's
cards nor the dashboard's charts, and importing every screen up front took a fifth of a cold start
(docs/benchmarks.md, "Start-up"). `app.preload.warm` imports them in the background once the first
frame is out; tests/app/test_lazy_start.py keeps the first frame's imports light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flet as ft


@dataclass(frozen=True)
class Screen:
    """One screen: `name` is its `Nav.screen` value.

    where: the Flet component drawn as the shell's content (no arguments), as "module.Name" of a
        module of this package, imported on first use (`component`).
    icons: (outlined, selected) icons of its navigation entry; None for a screen reached from
        another one (a button, a link), which then names the entry that stays selected as `parent`.
    label: the catalogue key of the entry's label (default `nav.<name>`).
    per_project: drawn afresh for each open project (a board, a chart of the project's tasks).
    count: a number on the entry's icon (the inbox's unread), read from the store, and the
        entities whose changes may change it.
    phone, desktop: where it is offered (a screen missing from a layout has no entry there).
    when: whether it is offered for the open project, read from the store (the desk: service desks).
    """

    name: str
    where: str
    icons: tuple[Any, Any] | None = None
    label: str | None = None
    parent: str | None = None
    per_project: bool = False
    count: Callable[[Any], int] | None = None
    count_rows: tuple[str, ...] = ()
    phone: bool = True
    desktop: bool = True
    when: Callable[[Any, str | None], bool] | None = None

    @property
    def label_key(self) -> str:
        return self.label or f"nav.{self.name}"

    def offered(self, phone: bool) -> bool:
        return self.phone if phone else self.desktop

    @property
    def module(self) -> str:
        return f"{__name__}.{self.where.rpartition('.')[0]}"

    @property
    def attr(self) -> str:
        return self.where.rpartition(".")[2]

    @property
    def component(self) -> Callable[..., ft.Control]:
        """The screen's component, its module imported the first time (then Python's cache)."""
        component: Callable[..., ft.Control] = getattr(importlib.import_module(self.module), self.attr)
        return component

    def build(self, project_id: str | None) -> ft.Control:
        if self.per_project:
            return self.component(key=f"{self.name}-{project_id}")
        return self.component()


def service_desk(store: Any, project_id: str | None) -> bool:
    """The desk's screens are in the navigation while the open project is a service desk."""
    project = store.project(project_id) if project_id else None
    return project is not None and project.get("kind") == "service_desk"


def planning(store: Any, project_id: str | None) -> bool:
    """Planning's screens (iterations, the timeline, the dashboard) are for projects that are not a desk."""
    return not service_desk(store, project_id)


# Order is the navigation's. On a phone the bar holds five entries at most, so the per-project views
# beyond the board (phone=False here) are one entry there, `views`, a list that opens them.
SCREENS: tuple[Screen, ...] = (
    Screen("home", "home.Home", (ft.Icons.HOME_OUTLINED, ft.Icons.HOME)),
    Screen("board", "board.Board", (ft.Icons.VIEW_KANBAN_OUTLINED, ft.Icons.VIEW_KANBAN), per_project=True),
    Screen(
        "desk",
        "desk.Desk",
        (ft.Icons.SUPPORT_AGENT_OUTLINED, ft.Icons.SUPPORT_AGENT),
        per_project=True,
        when=service_desk,
    ),
    Screen("table", "table.Table", (ft.Icons.TABLE_ROWS_OUTLINED, ft.Icons.TABLE_ROWS), per_project=True, phone=False),
    Screen(
        "calendar",
        "calendar.Calendar",
        (ft.Icons.CALENDAR_MONTH_OUTLINED, ft.Icons.CALENDAR_MONTH),
        per_project=True,
        phone=False,
    ),
    Screen(
        "gantt",
        "gantt.Gantt",
        (ft.Icons.VIEW_TIMELINE_OUTLINED, ft.Icons.VIEW_TIMELINE),
        per_project=True,
        phone=False,
        when=planning,
    ),
    Screen(
        "iterations",
        "iterations.Iterations",
        (ft.Icons.EVENT_REPEAT_OUTLINED, ft.Icons.EVENT_REPEAT),
        per_project=True,
        phone=False,
        when=planning,
    ),
    Screen(
        "dashboard",
        "dashboard.ProjectDashboard",
        (ft.Icons.INSIGHTS_OUTLINED, ft.Icons.INSIGHTS),
        per_project=True,
        phone=False,
        when=planning,
    ),
    Screen(
        "desk_dashboard",
        "desk_dashboard.DeskDashboard",
        (ft.Icons.QUERY_STATS_OUTLINED, ft.Icons.QUERY_STATS),
        per_project=True,
        phone=False,
        when=service_desk,
    ),
    Screen("views", "views.Views", (ft.Icons.DASHBOARD_OUTLINED, ft.Icons.DASHBOARD), per_project=True, desktop=False),
    Screen(
        "inbox",
        "inbox.Inbox",
        (ft.Icons.NOTIFICATIONS_OUTLINED, ft.Icons.NOTIFICATIONS),
        count=lambda store: store.unread_count(),
        count_rows=("notification",),
    ),
    Screen(
        "performance",
        "performance.PersonalPerformance",
        (ft.Icons.FACT_CHECK_OUTLINED, ft.Icons.FACT_CHECK),
        phone=False,
    ),
    Screen("settings", "settings.Settings", (ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS)),
    Screen("project_new", "project_new.ProjectNew", parent="home"),
    Screen("project_settings", "project_settings.ProjectSettings", parent="board"),
    Screen("feedback", "feedback.Feedback", parent="home"),
)

BY_NAME = {s.name: s for s in SCREENS}
FALLBACK = SCREENS[0]  # a name nobody registered (an old link): home


def screen_of(name: str) -> Screen:
    return BY_NAME.get(name, FALLBACK)


def entries(phone: bool, store: Any = None, project_id: str | None = None) -> list[Screen]:
    """The navigation's entries in this layout (and for the open project), in registry order."""
    return [
        s
        for s in SCREENS
        if s.icons is not None and s.offered(phone) and (s.when is None or store is None or s.when(store, project_id))
    ]


def entry_of(name: str, phone: bool = False) -> str:
    """The navigation entry a screen belongs to: its own, or its parent's; on a phone, a view the bar
    has no room for belongs to `views` (视图), the list that opens it."""
    screen = screen_of(name)
    if phone and screen.parent is None and not screen.offered(True):
        return "views"
    return screen.parent or screen.name
