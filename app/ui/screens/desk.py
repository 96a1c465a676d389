"""The service desk's queue, offered for `service_desk` projects: the saved queues as chips with
their counts, the board's filters (search, assignee, priority) and category, and a table of
tickets (key, title, requester, category, priority, SLA countdown, status, assignee) sorted by a
click on a column, nearest breach first by default. On a phone, a list of ticket cards with the
countdown. The countdowns are worked out again every `TICK_S` (app.state.countdown), offline too.
The rules are in `app.state.desk`; a ticket opens in the task detail (app.ui.detail.ticket).
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import PRIORITIES
from app.state.desk import (
    CATEGORIES,
    COLUMNS,
    QUEUES,
    DeskFilters,
    DeskSort,
    TicketLine,
    queue_counts,
    queue_view,
    ticket_lines,
    with_filter,
)
from app.state.fmt import initials
from app.ui.base import (
    avatar,
    chip,
    filter_dropdown,
    priority_color,
    priority_icon,
    text,
    typing,
    unsynced_mark,
    use_env,
    use_store,
)
from app.ui.desk_parts import category_name, clock_chip, use_tick
from app.ui.project_parts import SettingsButton

DESK_ROWS = ("task", "ticket", "status", "sla_policy", "task_event", "user", "member")
WIDTHS = {"key": 72, "requester": 96, "category": 100, "priority": 56, "sla": 104, "status": 96, "assignee": 36}


def _filters(env: Any, filters: DeskFilters, set_filters: Any, people: list[tuple[str, str]]) -> list[ft.Control]:
    def changed(field: str) -> Any:
        return lambda e: set_filters(with_filter(filters, field, e.control.value or None))

    controls: list[ft.Control] = [
        ft.TextField(
            **typing(env),
            hint_text=t("phone.search_hint") if env.phone else t("filter.search_hint"),
            prefix_icon=ft.Icons.SEARCH,
            value=filters.text,
            on_change=changed("text"),
            dense=True,
            width=None if env.phone else 200,
            expand=True if env.phone else None,
        ),
        filter_dropdown(
            t("filter.assignee"),
            filters.assignee_id,
            [("none", t("filter.unassigned")), *people],
            changed("assignee_id"),
            140,
        ),
        filter_dropdown(
            t("filter.priority"),
            filters.priority,
            [(p, t(f"priority.{p}")) for p in PRIORITIES],
            changed("priority"),
            120,
        ),
        filter_dropdown(
            t("desk.filter.category"),
            filters.category,
            [(c, category_name(c)) for c in CATEGORIES],
            changed("category"),
            120,
        ),
    ]
    if filters.active:
        controls.append(ft.TextButton(t("filter.clear"), on_click=lambda _: set_filters(DeskFilters())))
    return controls


def _queue_chips(queue: str, counts: dict[str, int], set_queue: Any) -> ft.Control:
    return ft.Row(
        [
            ft.Chip(
                label=ft.Text(f"{t(f'desk.queue.{q}')} {counts.get(q, 0)}"),
                selected=q == queue,
                on_select=lambda _, q=q: set_queue(q),
                show_checkmark=False,
                visual_density=ft.VisualDensity.COMPACT,
                key=f"queue-{q}",
            )
            for q in QUEUES
        ],
        scroll=ft.ScrollMode.HIDDEN,
        spacing=6,
    )


def _header(sort: DeskSort, set_sort: Any) -> ft.Control:
    def cell(column: str) -> ft.Control:
        arrow = ft.Icon(
            ft.Icons.ARROW_DOWNWARD if sort.descending else ft.Icons.ARROW_UPWARD,
            size=14,
            color=ft.Colors.PRIMARY,
            visible=sort.field == column,
        )
        label = text(t(f"desk.col.{column}"), size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT)
        return ft.Container(
            ft.Semantics(
                content=ft.Row([label, arrow], spacing=2, tight=True),
                label=t("desk.sort_by", column=t(f"desk.col.{column}")),
                button=True,
            ),
            width=WIDTHS.get(column),
            expand=column == "title",
            on_click=lambda _: set_sort(sort.toggled(column)),
            padding=ft.Padding.symmetric(vertical=6),
        )

    return ft.Container(
        ft.Row([*(cell(c) for c in COLUMNS), ft.Container(width=14)], spacing=8),
        padding=ft.Padding.symmetric(horizontal=12),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )


def _row(line: TicketLine, on_click: Any, selected: bool) -> ft.Control:
    def sized(column: str, control: ft.Control) -> ft.Control:
        return ft.Container(control, width=WIDTHS.get(column), alignment=ft.Alignment.CENTER_LEFT)

    cells = [
        text(line.key, size=12, width=WIDTHS["key"], max_lines=1, color=ft.Colors.ON_SURFACE_VARIANT),
        text(line.title, max_lines=1, expand=True),
        text(line.requester, size=13, width=WIDTHS["requester"], max_lines=1),  # plain text, never markdown
        sized("category", chip(category_name(line.category))),
        sized("priority", ft.Icon(priority_icon(line.priority), size=16, color=priority_color(line.priority))),
        sized("sla", clock_chip(line.clock)),
        sized("status", chip(line.status)),
        sized("assignee", avatar(initials(line.assignee), line.assignee, 24) if line.assignee else ft.Container()),
        ft.Container(unsynced_mark(line.pending), width=14),
    ]
    return ft.Container(
        ft.Row(cells, spacing=8),
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        on_click=on_click,
        border_radius=6,
        ink=True,
        height=44,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
        key=f"ticket-{line.key}",
    )


def _card(line: TicketLine, on_click: Any) -> ft.Control:
    """A phone's ticket: the title over its key, requester and countdown, then priority and status."""
    meta = ft.Row(
        [
            ft.Icon(priority_icon(line.priority), size=14, color=priority_color(line.priority)),
            text(line.key, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            text(line.requester, size=12, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1, expand=True),
            chip(line.status),
        ],
        spacing=6,
    )
    return ft.Container(
        ft.Column(
            [
                ft.Row(
                    [text(line.title, max_lines=2, expand=True, weight=ft.FontWeight.W_500), clock_chip(line.clock)]
                ),
                meta,
            ],
            spacing=4,
            tight=True,
        ),
        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
        on_click=on_click,
        border_radius=8,
        ink=True,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        key=f"ticket-{line.key}",
    )


@ft.component
def Desk() -> ft.Control:
    env = use_env()
    nav = env.nav
    store = env.core.store
    project_id = nav.project_id
    project = use_store(lambda: store.project(project_id) if project_id else None, ("project",), [project_id])
    tick = use_tick()
    queue, set_queue = ft.use_state("all")
    filters, set_filters = ft.use_state(DeskFilters())
    sort, set_sort = ft.use_state(DeskSort())
    filters_shown, set_filters_shown = ft.use_state(False)
    people = use_store(
        lambda: (
            [
                (m["user_id"], (store.user(m["user_id"]) or {}).get("display_name") or "")
                for m in store.members(project_id)
            ]
            if project_id
            else []
        ),
        ("member", "user"),
        [project_id],
    )
    statuses = use_store(lambda: store.statuses(project_id) if project_id else [], ("status",), [project_id])
    views = use_store(lambda: store.tickets(project_id) if project_id else [], DESK_ROWS, [project_id, tick])
    if project is None or project.get("kind") != "service_desk":
        return ft.Container(text(t("desk.not_desk")), alignment=ft.Alignment.CENTER, expand=True)
    lines = ticket_lines(views, dict(people))
    me = store.user_id
    counts = queue_counts(lines, me)
    shown = queue_view(lines, queue, me, filters, sort, statuses)

    def open_ticket(line: TicketLine) -> Any:
        return lambda _: nav.open_task(line.id)

    empty = ft.Container(text(t("desk.empty"), color=ft.Colors.ON_SURFACE_VARIANT), padding=24, visible=not shown)
    if env.phone:
        head = ft.Row(
            [
                text(project["name"], size=17, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
                ft.IconButton(
                    ft.Icons.FILTER_ALT if filters.active else ft.Icons.FILTER_ALT_OUTLINED,
                    tooltip=t("phone.filters"),
                    selected=filters_shown,
                    on_click=lambda _: set_filters_shown(not filters_shown),
                ),
            ],
            spacing=0,
        )
        controls: list[ft.Control] = [head, _queue_chips(queue, counts, set_queue)]
        if filters_shown:
            controls.append(ft.Row(_filters(env, filters, set_filters, people), wrap=True, spacing=8, run_spacing=8))
        cards = ft.ListView([_card(x, open_ticket(x)) for x in shown], spacing=8, expand=True)
        return ft.Container(ft.Column([*controls, empty, cards], spacing=8, expand=True), padding=8, expand=True)
    title = ft.Row(
        [
            text(project["key"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            text(project["name"], size=20, weight=ft.FontWeight.W_600, max_lines=1, expand=True),
            SettingsButton(),
        ],
        spacing=10,
    )
    table = ft.ListView([_row(x, open_ticket(x), x.id == nav.task_id) for x in shown], item_extent=44, expand=True)
    return ft.Container(
        ft.Column(
            [
                title,
                _queue_chips(queue, counts, set_queue),
                ft.Row(_filters(env, filters, set_filters, people), spacing=8, wrap=True, run_spacing=8),
                _header(sort, set_sort),
                empty,
                table,
            ],
            spacing=10,
            expand=True,
        ),
        padding=16,
        expand=True,
    )
