"""A ticket's part of the task detail: the requester panel (name, contact, channel, category,
severity, impact), the SLA timers, the reopen count, the rating with its comment, what became of
it (merged, escalated), and its actions (the requester's link, escalate, merge), then the similar
open tickets of the desk. What the requester typed is shown as plain text, never as markdown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state.countdown import target_countdown
from app.state.desk import CATEGORIES, CHANNELS
from app.state.fmt import local_zone
from app.ui.base import text, use_env, use_store
from app.ui.desk_parts import category_name, channel_name, clock_chip, use_tick
from app.ui.detail.ticket_actions import TicketActions
from app.ui.similar import SimilarTickets
from sync.store.families.desk import TicketView

TICKET_ROWS = ("task", "ticket", "status", "sla_policy", "task_event")
LEVELS = (1, 2, 3, 4)


def _at(value: datetime) -> str:
    return value.astimezone(local_zone()).strftime("%m-%d %H:%M")


def _row(label: str, control: ft.Control, phone: bool) -> ft.Control:
    name = text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=None if phone else 84)
    if phone:
        return ft.Column([name, control], spacing=2)
    return ft.Row([name, ft.Container(control, expand=True)], vertical_alignment=ft.CrossAxisAlignment.CENTER)


def _choice(value: Any, options: list[tuple[str, str]], on_pick: Any, editable: bool) -> ft.Control:
    return ft.Dropdown(
        value=str(value),
        options=[ft.DropdownOption(key=k, text=v) for k, v in options],
        on_select=lambda e: on_pick(e.control.value),
        disabled=not editable,
        dense=True,
        expand=True,
    )


def requester_panel(view: TicketView, editable: bool, phone: bool, update: Any) -> ft.Control:
    ticket = view.ticket
    contact = ticket.get("requester_contact") or "—"
    rows = [
        _row(
            t("desk.requester"),
            text(ticket.get("requester_name") or "—", selectable=True, weight=ft.FontWeight.W_600),
            phone,
        ),
        _row(t("desk.requester.contact"), text(contact, selectable=True), phone),
        _row(
            t("desk.requester.channel"),
            _choice(ticket["channel"], [(c, channel_name(c)) for c in CHANNELS], lambda v: update(channel=v), editable),
            phone,
        ),
        _row(
            t("desk.requester.category"),
            _choice(
                ticket["category"], [(c, category_name(c)) for c in CATEGORIES], lambda v: update(category=v), editable
            ),
            phone,
        ),
        _row(
            t("desk.requester.severity"),
            _choice(
                ticket["severity"],
                [(str(n), t(f"desk.severity.{n}")) for n in LEVELS],
                lambda v: update(severity=int(v)),
                editable,
            ),
            phone,
        ),
        _row(
            t("desk.requester.impact"),
            _choice(
                ticket["impact"],
                [(str(n), t(f"desk.impact.{n}")) for n in LEVELS],
                lambda v: update(impact=int(v)),
                editable,
            ),
            phone,
        ),
    ]
    return ft.Container(
        ft.Column(rows, spacing=8),
        padding=12,
        border_radius=8,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
    )


def sla_panel(view: TicketView) -> ft.Control:
    """Both targets with their countdowns and due times, the reopen count, the rating and its comment."""
    ticket = view.ticket
    timers: list[ft.Control] = []
    for target in view.clock.targets:
        countdown = target_countdown(target, view.clock.paused)
        timers.append(
            ft.Row(
                [
                    text(t(f"desk.sla.{target.which}"), size=13, width=84),
                    clock_chip(countdown),
                    text(t("desk.sla.due", at=_at(target.due_at)), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=8,
                key=f"sla-{target.which}",
            )
        )
    score = ticket.get("satisfaction")
    facts: list[ft.Control] = [text(t("desk.reopened", n=ticket.get("reopened_count") or 0), size=13)]
    facts.append(text(t("desk.rating", score=score) if score else t("desk.rating_none"), size=13, key="rating"))
    column: list[ft.Control] = [*timers, ft.Row(facts, spacing=16, wrap=True)]
    if ticket.get("satisfaction_comment"):
        column.append(text(ticket["satisfaction_comment"], size=13, selectable=True, italic=True))  # plain text
    return ft.Column(column, spacing=6)


@ft.component
def TicketPanel(task_id: str, editable: bool, phone: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    tick = use_tick()
    view = use_store(lambda: store.ticket(task_id), TICKET_ROWS, [task_id, tick])
    into = view.ticket.get("merged_into_id") if view is not None else None
    keys = use_store(lambda: _key(store, into), ("task",), [into])
    escalated = view.ticket.get("escalated_task_id") if view is not None else None
    requirement = use_store(lambda: _key(store, escalated), ("task",), [escalated])
    if view is None:
        return ft.Container()

    def update(**fields: Any) -> None:
        store.update_ticket(task_id, **fields)

    notes: list[ft.Control] = []
    if keys:
        notes.append(text(t("desk.merged", key=keys), color=ft.Colors.ON_SURFACE_VARIANT))
    if escalated:  # the requirement's key once it is cached (it is created in another project)
        said = t("desk.escalated.key", key=requirement) if requirement else t("desk.escalated")
        notes.append(text(said, color=ft.Colors.ON_SURFACE_VARIANT, key="escalated"))
    open_ticket = not view.done and not view.ticket.get("merged_into_id")
    query = f"{view.task.get('title') or ''} {view.task.get('description') or ''}"
    return ft.Column(
        [
            requester_panel(view, editable, phone, update),
            sla_panel(view),
            *notes,
            TicketActions(task_id, view.task["project_id"], editable, open_ticket, bool(escalated)),
            SimilarTickets(view.task["project_id"], query, task_id, editable and open_ticket)
            if open_ticket
            else ft.Container(),
        ],
        spacing=10,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _key(store: Any, task_id: str | None) -> str:
    task = store.task(task_id) if task_id else None
    return str(task.get("key") or "") if task else ""
