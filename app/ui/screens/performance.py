"""Personal performance: one person's evidence for a period (tasks done, on-time rate, estimate
accuracy, median cycle time, reopened tasks), each figure opening the tasks behind it.

Worded as evidence for a review, not as a ranking: one person at a time, no comparison with others.
It is shown to the person (over all their projects) and to owners and admins (over the projects
they lead that the person works in): `app.state.performance.reviewable` offers the people, the
store's `performance_projects` (the command line's rule too) names the projects. The numbers are
`sync.planning.performance` read from this device's cache (docs/metrics.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app.i18n import t
from app.state.performance import PERIODS, figures, period, reviewable
from app.ui.base import text, use_env, use_store
from app.ui.figures import TaskLinks, tile
from app.ui.screens.dashboard import PLANNING_ROWS, ZONE, calendar_note
from sync.planning import performance


def _memberships(store: Any) -> list[tuple[str, str, str]]:
    return [(p["id"], m["user_id"], m["role"]) for p in store.projects() for m in store.members(p["id"])]


def _name(store: Any, user_id: str) -> str:
    person = store.user(user_id)
    return str(person["display_name"]) if person else user_id[:8]


@ft.component
def PersonalPerformance() -> ft.Control:
    env = use_env()
    store = env.core.store
    me = store.user_id or ""
    person, set_person = ft.use_state(me)
    choice, set_choice = ft.use_state(PERIODS[0])
    shown, set_shown = ft.use_state(None)  # the figure whose tasks are listed
    allowed = use_store(lambda: reviewable(me, _memberships(store)), ("project", "member"), [me])
    who = person if person in allowed else me
    # The projects it draws on: the store's rule, the one `keel report person` applies as well.
    drawn = use_store(lambda: tuple(store.performance_projects(who)), ("project", "member"), [who])
    projects = None if who == me else drawn
    today = datetime.now(ZoneInfo(ZONE)).date()
    start, end = period(choice, today)
    found = use_store(
        lambda: performance(
            store.conn, who, start, end, project_ids=list(projects) if projects is not None else None, zone=ZONE
        ),
        PLANNING_ROWS,
        [who, start, end, projects],
    )
    people = sorted(allowed, key=lambda u: (u != me, _name(store, u)))
    pickers = [
        ft.Dropdown(
            label=t("performance.person"),
            value=who,
            options=[ft.DropdownOption(key=u, text=_name(store, u)) for u in people],
            on_select=lambda e: (set_person(e.control.value or me), set_shown(None)),
            width=180,
            dense=True,
        ),
        ft.Dropdown(
            label=t("performance.period"),
            value=choice,
            options=[ft.DropdownOption(key=c, text=t(f"performance.period.{c}")) for c in PERIODS],
            on_select=lambda e: (set_choice(e.control.value or PERIODS[0]), set_shown(None)),
            width=170,
            dense=True,
        ),
    ]
    items = figures(found)
    tile_width = ((env.page.width or 390) - 40) / 2 if env.phone else 200
    tiles = [
        tile(
            t(f"performance.figure.{f.key}"),
            f.value,
            f.basis,
            on_click=lambda _, f=f: set_shown(None if shown == f.key else f.key),
            selected=shown == f.key,
            width=tile_width,
        )
        for f in items
    ]
    scope = (
        t("performance.scope_all")
        if projects is None
        else t(
            "performance.scope_led",
            names=t("performance.separator").join(str((store.project(p) or {}).get("name", "")) for p in projects),
        )
    )
    body: list[ft.Control] = [
        text(t("performance.title", name=_name(store, who)), size=20, weight=ft.FontWeight.W_600),
        text(t("performance.intro"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Row(pickers, spacing=8, wrap=True, run_spacing=8),
        text(t("performance.range", start=start.isoformat(), end=end.isoformat()) + " · " + scope, size=12),
    ]
    if (note := calendar_note(today)) is not None:
        body.append(note)
    body.append(ft.Row(tiles, wrap=True, spacing=8, run_spacing=8))
    picked = next((f for f in items if f.key == shown), None)
    if picked is not None:
        title = f"{t(f'performance.figure.{picked.key}')} · {picked.basis}"
        body.append(TaskLinks(title, picked.task_ids, lambda: set_shown(None)))
    body.append(text(t("performance.definitions"), size=11, color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Container(ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True), padding=16, expand=True)
