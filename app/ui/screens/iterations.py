"""Iterations: the backlog beside the chosen iteration (stacked on a phone, the iteration above),
planning by dragging tasks between them (a mouse drag on a desktop, a long press on a phone, as on
the board), creating, starting and closing iterations (the open work rolls over to another one or
back to the backlog), the iteration's burndown and the velocity of the last closed ones
(`iteration_charts`). The rules are in `app.state.iterations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app.i18n import t
from app.state.iterations import PHONE_ROW_HEIGHT, chosen, crosses, draft, parse_day, rollover_targets
from app.state.project_settings import can_edit_tasks
from app.ui.base import AppEnv, text, use_env, use_store
from app.ui.figures import section
from app.ui.screens.dashboard import ZONE
from app.ui.screens.iteration_charts import Burndown, VelocityChart, mode_switch
from app.ui.touch import FingerMove, LongPress

SHOWN = 200  # tasks drawn per list; the rest are counted
BACKLOG = ""  # the rollover choice "back to the backlog"


class Lifter:
    """A phone's long press on a task: where it started, and where the task goes on release."""

    def __init__(self) -> None:
        self.start = (0.0, 0.0)
        self.at = (0.0, 0.0)


def _line(env: AppEnv, row: dict[str, Any], done: bool, in_iteration: bool, move: Any, can_edit: bool) -> ft.Control:
    """One task: its key and title (done ones ticked); a click opens it, the arrow plans it."""
    phone = env.phone
    arrow = ft.IconButton(
        ft.Icons.ARROW_BACK if in_iteration else ft.Icons.ARROW_FORWARD,
        tooltip=t("iterations.to_backlog") if in_iteration else t("iterations.to_iteration"),
        icon_size=16,
        on_click=lambda _: move(row["id"], not in_iteration),
        visible=can_edit and not phone,
    )
    face = ft.Container(
        ft.Row(
            [
                ft.Icon(
                    ft.Icons.CHECK_CIRCLE if done else ft.Icons.RADIO_BUTTON_UNCHECKED,
                    size=16,
                    color=ft.Colors.PRIMARY if done else ft.Colors.OUTLINE,
                ),
                text(row["key"] or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=64),
                text(row["title"], max_lines=1, expand=True),
                text(f"{row['estimate']:g}" if row.get("estimate") is not None else "", size=12, width=28),
            ],
            spacing=6,
        ),
        padding=ft.Padding.symmetric(horizontal=8),
        on_click=lambda _: env.nav.open_task(row["id"]),
        expand=True,
    )
    label = f"{row['key'] or ''} {row['title']}".strip()
    # The arrow stays outside the row's own node: inside it, the row's name was lost to the button.
    content: ft.Control = ft.Container(
        ft.Row([ft.Semantics(content=face, label=label, button=True, expand=True), arrow], spacing=0),
        height=PHONE_ROW_HEIGHT - 4,
        border_radius=6,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST,
    )
    if not can_edit:
        return content
    if phone:
        lifter = Lifter()

        def started(e: ft.LongPressStartEvent) -> None:
            at = e.global_position
            lifter.start = lifter.at = (at.x, at.y) if at is not None else (0.0, 0.0)

        def moved(e: FingerMove) -> None:
            if e.global_position is not None:
                lifter.at = (e.global_position.x, e.global_position.y)

        def ended(_: ft.LongPressEndEvent) -> None:
            dx, dy = lifter.at[0] - lifter.start[0], lifter.at[1] - lifter.start[1]
            if crosses(not in_iteration, dx, dy, width=float(env.page.width or 0)):
                move(row["id"], not in_iteration)

        return LongPress(
            content=content, on_long_press_start=started, on_long_press_move_update=moved, on_long_press_end=ended
        )
    return ft.Draggable(group="plan", data=row["id"], content=content)


def _list(
    env: AppEnv,
    title: str,
    rows: list[dict[str, Any]],
    done_ids: set[str],
    in_iteration: bool,
    move: Any,
    can_edit: bool,
    empty: str,
) -> ft.Control:
    lines = [_line(env, r, r["status_id"] in done_ids, in_iteration, move, can_edit) for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines.append(text(t("figures.more", n=len(rows) - SHOWN), size=12))
    if not rows:
        lines.append(text(empty, size=12, color=ft.Colors.ON_SURFACE_VARIANT))

    def accept(e: ft.DragTargetEvent) -> None:
        dragged = e.src.data if e.src is not None else None
        if dragged:
            move(dragged, in_iteration)

    body = ft.Container(
        ft.Column([text(f"{title} · {len(rows)}", weight=ft.FontWeight.W_600), *lines], spacing=4),
        padding=10,
        border_radius=10,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
    )
    return ft.DragTarget(group="plan", content=body, on_accept=accept)


@ft.component
def NewIteration(project_id: str, rows: list[dict[str, Any]], on_done: Any) -> ft.Control:
    env = use_env()
    start = draft(rows, datetime.now(ZoneInfo(ZONE)).date())
    name, set_name = ft.use_state(t("iterations.default_name", n=start.number))
    first, set_first = ft.use_state(start.start_on.isoformat())
    last, set_last = ft.use_state(start.end_on.isoformat())
    start_on, end_on = parse_day(first), parse_day(last)
    valid = bool(name.strip()) and start_on is not None and end_on is not None and end_on >= start_on

    def create(_: Any) -> None:
        if not valid or start_on is None or end_on is None:
            return
        new_id = env.core.store.create_iteration(project_id, name.strip(), start_on, end_on)
        on_done(new_id)

    def field(label: str, value: str, setter: Any, width: int) -> ft.Control:
        return ft.TextField(
            label=label, value=value, on_change=lambda e: setter(e.control.value or ""), dense=True, width=width
        )

    return ft.Row(
        [
            field(t("iterations.name"), name, set_name, 160),
            field(t("iterations.start_on"), first, set_first, 130),
            field(t("iterations.end_on"), last, set_last, 130),
            ft.FilledButton(t("iterations.create"), on_click=create, disabled=not valid),
            ft.TextButton(t("iterations.cancel"), on_click=lambda _: on_done(None)),
        ],
        wrap=True,
        spacing=8,
        run_spacing=8,
    )


@ft.component
def CloseIteration(iteration: dict[str, Any], rows: list[dict[str, Any]], open_count: int, on_done: Any) -> ft.Control:
    env = use_env()
    targets = rollover_targets(rows, iteration["id"])
    target, set_target = ft.use_state(targets[0]["id"] if targets else BACKLOG)

    def close(_: Any) -> None:
        env.core.store.close_iteration(iteration["id"], target or None)
        on_done()

    return ft.Row(
        [
            text(t("iterations.close_open", n=open_count)),
            ft.Dropdown(
                label=t("iterations.rollover"),
                value=target,
                options=[ft.DropdownOption(key=BACKLOG, text=t("iterations.backlog"))]
                + [ft.DropdownOption(key=r["id"], text=r["name"]) for r in targets],
                on_select=lambda e: set_target(e.control.value or BACKLOG),
                width=200,
                dense=True,
            ),
            ft.FilledButton(t("iterations.close_confirm"), on_click=close),
            ft.TextButton(t("iterations.cancel"), on_click=lambda _: on_done()),
        ],
        wrap=True,
        spacing=8,
        run_spacing=8,
    )


@ft.component
def Iterations() -> ft.Control:
    env = use_env()
    store = env.core.store
    project_id = env.nav.project_id
    wanted, set_wanted = ft.use_state(None)
    mode, set_mode = ft.use_state("count")
    panel, set_panel = ft.use_state("")  # "new", "close" or ""
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    role = use_store(lambda: store.role(project_id) if project_id else None, ("member",), [project_id])
    rows = use_store(lambda: store.iterations(project_id) if project_id else [], ("iteration",), [project_id])
    current = chosen(rows, wanted)
    current_id = current["id"] if current else None
    done_ids = use_store(
        lambda: {s["id"] for s in store.statuses(project_id) if s["category"] == "done"} if project_id else set(),
        ("status",),
        [project_id],
    )
    backlog = use_store(lambda: store.backlog(project_id) if project_id else [], ("task", "status"), [project_id])
    planned = use_store(
        lambda: store.tasks_of_iteration(current_id) if current_id else [], ("task", "status"), [current_id]
    )
    if project is None:
        return ft.Container(text(t("board.no_project")), alignment=ft.Alignment.CENTER, expand=True)
    can_edit = can_edit_tasks(project, role)
    open_now = current is not None and current["state"] != "closed"

    def move(task_id: str, into: bool) -> None:
        if into and not open_now:
            return
        store.set_iteration(task_id, current_id if into else None)

    picker = ft.Dropdown(
        label=t("iterations.iteration"),
        value=current_id or "",
        options=[
            ft.DropdownOption(key=r["id"], text=r["name"] + " · " + t(f"iterations.state.{r['state']}")) for r in rows
        ],
        on_select=lambda e: set_wanted(e.control.value or None),
        width=240,
        dense=True,
    )
    actions: list[ft.Control] = [picker]
    if can_edit:
        actions.append(ft.OutlinedButton(t("iterations.new"), icon=ft.Icons.ADD, on_click=lambda _: set_panel("new")))
        if current is not None and current["state"] == "planned":
            actions.append(
                ft.FilledButton(
                    t("iterations.start"), on_click=lambda _: store.update_iteration(current_id, state="active")
                )
            )
        if current is not None and current["state"] == "active":
            actions.append(ft.FilledButton(t("iterations.close"), on_click=lambda _: set_panel("close")))
    head: list[ft.Control] = [
        ft.Row(
            [
                text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                text(
                    t("iterations.title", name=project["name"]),
                    size=20,
                    weight=ft.FontWeight.W_600,
                    max_lines=1,
                    expand=True,
                ),
            ],
            spacing=10,
        ),
        ft.Row(actions, wrap=True, spacing=8, run_spacing=8),
    ]
    if current is not None:
        dates = t("iterations.dates", start=current["start_on"], end=current["end_on"])
        head.append(text(f"{dates}  {current.get('goal') or ''}".strip(), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if panel == "new":
        head.append(NewIteration(project_id, rows, lambda new_id: (set_panel(""), new_id and set_wanted(new_id))))
    elif panel == "close" and current is not None:
        open_count = sum(1 for r in planned if r["status_id"] not in done_ids)
        head.append(CloseIteration(current, rows, open_count, lambda: set_panel("")))
    name = current["name"] if current else t("iterations.none")
    iteration_list = _list(env, name, planned, done_ids, True, move, can_edit and open_now, t("iterations.empty"))
    backlog_list = _list(
        env,
        t("iterations.backlog"),
        backlog,
        done_ids,
        False,
        move,
        can_edit and open_now,
        t("iterations.backlog_empty"),
    )
    charts: list[ft.Control] = [ft.Row([mode_switch(mode, set_mode)], wrap=True)]
    if current is not None:
        charts.append(
            section(t("iterations.burndown", name=current["name"]), Burndown(current, mode, key=f"bd-{current_id}"))
        )
    charts.append(VelocityChart(project_id, mode))
    if env.phone:
        body: list[ft.Control] = [*head, iteration_list, *charts, backlog_list]  # the charts before a long backlog
    else:
        lists = ft.Row(
            [ft.Container(backlog_list, expand=1), ft.Container(iteration_list, expand=1)],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        body = [
            *head,
            ft.Row(
                [ft.Column([lists], expand=3), ft.Column(charts, spacing=16, expand=2)],
                spacing=16,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ]
    return ft.Container(ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True), padding=16, expand=True)
