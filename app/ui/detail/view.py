"""Task detail: every field editable (read-only for viewers), markdown description with preview,
subtasks, the comment thread with @mention autocomplete, and the activity list.

Beside the board on a desktop it is a compact form (label, then field, on one line); on a phone it
fills the screen as a mobile form: the fields people change most (status, assignee, due date,
priority) first, each full width under its label, dates chosen in pickers."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import PRIORITIES
from app.state.detail import DETAIL_ROWS, TASK_TYPES, FieldError, detail_view, field_update, tick_status
from app.state.fmt import due_label, relative_time
from app.ui.base import Entry, chip, priority_color, priority_icon, text, typing, use_env, use_store
from app.ui.detail.comments import Comment, CommentBox, comment_key
from app.ui.detail.fields import DateField, ParentField
from app.ui.detail.parts import Description, Snooze
from app.ui.detail.planning import Dependencies, IterationField
from app.ui.detail.replies import ReplyBox
from app.ui.detail.ticket import TicketPanel

SCROLL_SETTLE_S = 0.3  # the client lays the thread out before it can scroll to a comment in it


@ft.component
def TaskDetail(task_id: str, full_screen: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    error, set_error = ft.use_state("")
    tab, set_tab = ft.use_state("comments")
    body_ref: ft.Ref[ft.Column] = ft.use_ref(ft.Ref).current
    detail = use_store(lambda: detail_view(store, task_id), DETAIL_ROWS, [task_id])  # all it reads of the store
    focus = env.nav.comment_id

    def scroll_to_comment() -> None:
        if focus is None or detail is None or all(c["id"] != focus for c in detail.comments):
            return

        async def scroll() -> None:
            await asyncio.sleep(SCROLL_SETTLE_S)
            if body_ref.current is not None:
                await body_ref.current.scroll_to(scroll_key=comment_key(focus), duration=300)

        env.page.run_task(scroll)

    ft.use_effect(scroll_to_comment, [focus, detail is not None])
    if detail is None:
        return ft.Container(
            ft.Column([text(t("detail.gone")), ft.TextButton(t("common.close"), on_click=lambda _: close())]),
            padding=24,
        )
    task = detail.task
    project_id = task["project_id"]
    editable, people, names = detail.editable, detail.people, detail.names
    statuses, done_ids = detail.statuses, detail.done_ids
    now = datetime.now().astimezone()
    phone = full_screen

    def close() -> None:
        env.nav.comment_id = None
        env.nav.task_id = None

    def save(field: str, raw: Any) -> None:
        try:
            fields = field_update(task, field, raw, store)
        except FieldError as exc:
            set_error(t(exc.key))
            return
        apply(fields)

    def apply(fields: dict[str, Any]) -> None:
        set_error("")
        if fields:
            store.update_task(task_id, **fields)

    def on_value(field: str):  # type: ignore[no-untyped-def]
        return lambda e: save(field, e.control.value)

    def add_label(label: str) -> None:
        if label and label not in task["labels"]:
            store.update_task(task_id, labels_add=[label])

    def add_subtask(title: str) -> None:
        if title:
            store.create_task(project_id, title, parent_id=task_id)

    def tick(sub: dict[str, Any], done: bool) -> None:
        status_id = tick_status(store, project_id, done)
        if status_id and status_id != sub["status_id"]:
            store.move_task(sub["id"], status_id)

    def dropdown(field: str, value: str | None, options: list[tuple[str, str]], allow_none: bool = False) -> ft.Control:
        opts = ([ft.DropdownOption(key="", text=t("detail.none"))] if allow_none else []) + [
            ft.DropdownOption(key=k, text=v) for k, v in options
        ]
        return ft.Dropdown(
            value=value or "",
            options=opts,
            on_select=on_value(field),
            disabled=not editable,
            dense=True,
            expand=True,
        )

    def field_row(name: str, control: ft.Control, top: bool = False) -> ft.Control:
        if phone:  # a mobile form: the label above a full-width field
            return ft.Column(
                [text(name, size=12, color=ft.Colors.ON_SURFACE_VARIANT), ft.Row([control])],
                spacing=2,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            )
        label = text(name, size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=84)
        return ft.Row(
            [ft.Container(label, padding=ft.Padding.only(top=10)) if top else label, control],
            vertical_alignment=ft.CrossAxisAlignment.START if top else ft.CrossAxisAlignment.CENTER,
        )

    def date_row(field: str, label: str) -> ft.Control:
        return field_row(label, DateField(task, field, label, editable, save, apply, key=f"{field}-{task_id}"))

    title = ft.TextField(
        value=task["title"],
        **typing(env, on_value("title")),
        on_submit=on_value("title"),
        read_only=not editable,
        text_size=20,
        border=ft.UnderlineInputBorder() if editable else ft.NoInputBorder(),
        multiline=phone,
        max_lines=3 if phone else 1,
        label=t("detail.title"),
    )
    snoozable = (
        env.reminders is not None
        and task.get("due_at") is not None
        and task.get("assignee_id") == detail.me
        and not detail.done
    )
    badge = due_label(task.get("due_at"), now, done=detail.done)
    header = ft.Row(
        [
            ft.Icon(priority_icon(task["priority"]), color=priority_color(task["priority"])),
            text(task.get("key") or t("card.unnumbered"), color=ft.Colors.ON_SURFACE_VARIANT),
            chip(badge[0], ft.Colors.RED_50 if badge[1] else None, ft.Colors.RED_700 if badge[1] else None)
            if badge
            else ft.Container(),
            chip(t("card.unsynced"), ft.Colors.AMBER_100, ft.Colors.AMBER_900)
            if task.get("pending")
            else ft.Container(),
            chip(t("detail.read_only")) if not editable else ft.Container(),
            ft.Container(expand=True),
            Snooze(task_id) if snoozable else ft.Container(),
            ft.IconButton(
                ft.Icons.VISIBILITY if detail.watching else ft.Icons.VISIBILITY_OUTLINED,
                tooltip=t("detail.unwatch") if detail.watching else t("detail.watch"),
                on_click=lambda _: store.unwatch(task_id) if detail.watching else store.watch(task_id),
            ),
            ft.IconButton(ft.Icons.CLOSE, tooltip=t("detail.close"), on_click=lambda _: close()),
        ],
        spacing=4,
    )
    label_chips = [
        ft.Chip(
            label=ft.Text(label),
            on_delete=(lambda _, lb=label: store.update_task(task_id, labels_remove=[lb])) if editable else None,
            delete_icon_tooltip=t("detail.label_remove", label=label),  # else Flutter's English "Delete"
        )
        for label in task["labels"]
    ]
    add_label_box = Entry(t("detail.add_label"), add_label, width=None if phone else 140, visible=editable)
    labels: ft.Control = (
        ft.Column(  # on a phone the new label gets the full width under the chips
            [ft.Row(label_chips, wrap=True, spacing=6), add_label_box],
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            expand=True,
        )
        if phone
        else ft.Row([*label_chips, add_label_box], wrap=True, expand=True, spacing=6)
    )
    estimate = "" if task.get("estimate") is None else str(task["estimate"])
    status_row = field_row(
        t("detail.status"), dropdown("status_id", task["status_id"], [(s["id"], s["name"]) for s in statuses])
    )
    assignee_row = field_row(
        t("detail.assignee"),
        dropdown("assignee_id", task.get("assignee_id"), [(p["id"], p["display_name"]) for p in people], True),
    )
    priority_row = field_row(
        t("detail.priority"), dropdown("priority", task["priority"], [(p, t(f"priority.{p}")) for p in PRIORITIES])
    )
    type_row = field_row(
        t("detail.type"), dropdown("type", task.get("type"), [(k, t(f"type.{k}")) for k in TASK_TYPES])
    )
    estimate_row = field_row(
        t("detail.estimate"),
        ft.TextField(
            value=estimate,
            hint_text=t("detail.estimate_hint"),
            **typing(env, on_value("estimate")),
            on_submit=on_value("estimate"),
            read_only=not editable,
            dense=True,
            expand=True,
        ),
    )
    parent_row = field_row(
        t("detail.parent"), ParentField(task, detail.parent, editable, save, key=f"parent-{task_id}"), top=True
    )
    iteration_row = field_row(t("detail.iteration"), IterationField(task, editable, key=f"iteration-{task_id}"))
    start_row, due_row = date_row("start_at", t("detail.start")), date_row("due_at", t("detail.due"))
    if phone:
        order = [status_row, assignee_row, due_row, priority_row, start_row, type_row]
    else:
        order = [status_row, assignee_row, priority_row, type_row, start_row, due_row]
    fields = ft.Column(
        [*order, field_row(t("detail.labels"), labels), iteration_row, estimate_row, parent_row],
        spacing=10 if phone else 8,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    done_count = sum(1 for s in detail.subtasks if s["status_id"] in done_ids)
    subtasks = ft.Column(
        [
            text(t("detail.subtasks", done=done_count, total=len(detail.subtasks)), weight=ft.FontWeight.W_600),
            *[
                ft.Row(
                    [
                        ft.Checkbox(
                            value=s["status_id"] in done_ids,
                            on_change=lambda e, s=s: tick(s, bool(e.control.value)),
                            disabled=not editable,
                            semantics_label=s["title"],
                        ),
                        ft.Container(
                            text(f"{s.get('key') or ''} {s['title']}".strip(), max_lines=1),
                            on_click=lambda _, s=s: env.nav.open_task(s["id"]),
                            expand=True,
                        ),
                    ],
                    spacing=4,
                )
                for s in detail.subtasks
            ],
            Entry(t("detail.add_subtask"), add_subtask, visible=editable, prefix_icon=ft.Icons.ADD),
        ],
        spacing=4,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    ticket = task.get("type") == "ticket"  # a desk's ticket: its panel, and replies (app.ui.detail.ticket)
    comments = [Comment(c, names, people, now, c["id"] == focus, desk=ticket) for c in detail.comments]
    box = ReplyBox(task_id, project_id, editable) if ticket else CommentBox(task_id, people, editable)
    acts = [
        ft.Row(
            [
                text(relative_time(a.at, now), size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=90),
                text(
                    t(f"activity.{a.kind}", actor=names.get(a.actor_id or "", t("activity.someone"))),
                    size=13,
                    expand=True,
                    max_lines=2,
                ),
            ]
        )
        for a in detail.activity
    ]
    lower = ft.Column(
        [
            ft.SegmentedButton(
                segments=[
                    ft.Segment(value="comments", label=t("detail.comments", n=len(detail.comments))),
                    ft.Segment(value="activity", label=t("detail.activity")),
                ],
                selected=[tab],
                on_change=lambda e: set_tab(e.control.selected[0] if e.control.selected else "comments"),
            ),
            *([*comments, box] if tab == "comments" else acts),
        ],
        spacing=8,
    )
    body = ft.Column(
        [
            header,
            title,
            text(error, color=ft.Colors.ERROR) if error else ft.Container(),
            TicketPanel(task_id, editable, phone) if ticket else ft.Container(),  # the requester and SLA first
            fields,
            text(t("detail.description"), weight=ft.FontWeight.W_600),
            Description(task, editable, save, ticket, key=f"desc-{task_id}"),
            subtasks,
            Dependencies(task, editable, key=f"links-{task_id}"),
            ft.Divider(),
            lower,
        ],
        ref=body_ref,
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
    return ft.Container(
        body,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8) if phone else 16,
        expand=True,
        bgcolor=ft.Colors.SURFACE,
        border=None if full_screen else ft.Border.only(left=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
