"""Task detail: every field editable (read-only for viewers), markdown description with preview,
subtasks, the comment thread with @mention autocomplete, and the activity list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.reminders import snooze_label, snoozed_text
from app.state import mentions
from app.state.board import PRIORITIES
from app.state.detail import FieldError, activity, can_edit, field_update, tick_status
from app.state.fmt import local_date_text, parse_local_date, relative_time
from app.state.project_settings import can_edit_tasks
from app.ui.base import (
    PRIORITY_COLORS,
    PRIORITY_ICONS,
    Entry,
    avatar,
    chip,
    text,
    typing,
    unsynced_mark,
    use_env,
    use_store,
)

TYPES = ("task", "requirement", "bug", "ticket")


def _label(name: str) -> ft.Control:
    return text(name, size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=84)


@ft.component
def CommentBox(task_id: str, people: list[dict[str, Any]], editable: bool) -> ft.Control:
    env = use_env()
    draft, set_draft = ft.use_state("")
    box: ft.Ref[ft.TextField] = ft.use_ref(ft.Ref).current
    suggestions = mentions.suggest(draft, people)

    def changed(e: ft.Event[ft.TextField]) -> None:
        set_draft(e.control.value or "")

    def pick(choice: mentions.Suggestion) -> None:
        set_draft(mentions.complete(draft, choice))
        if box.current is not None:
            env.page.run_task(box.current.focus)

    def send(_: Any = None) -> None:
        body = draft
        if not body.strip():
            return
        env.core.store.create_comment(task_id, body.strip(), mentions=mentions.mentioned_ids(body, people))
        set_draft("")

    if not editable:
        return ft.Container()
    return ft.Column(
        [
            ft.Row(
                [
                    ft.Chip(
                        label=ft.Text(f"@{s.handle}"),
                        on_click=lambda _, s=s: pick(s),
                        leading=ft.Icon(ft.Icons.ALTERNATE_EMAIL, size=14),
                    )
                    for s in suggestions
                ],
                wrap=True,
                visible=bool(suggestions),
            ),
            ft.Row(
                [
                    ft.TextField(
                        **typing(env),
                        ref=box,
                        hint_text=t("detail.comment_hint"),
                        value=draft,
                        on_change=changed,
                        multiline=True,
                        min_lines=1,
                        max_lines=6,
                        shift_enter=True,
                        on_submit=send,
                        expand=True,
                        dense=True,
                    ),
                    ft.IconButton(ft.Icons.SEND, tooltip=t("detail.comment_send"), on_click=send),
                ],
                vertical_alignment=ft.CrossAxisAlignment.END,
            ),
        ],
        spacing=6,
    )


@ft.component
def Description(task: dict[str, Any], editable: bool, save: Any) -> ft.Control:
    env = use_env()
    editing, set_editing = ft.use_state(False)
    value = task.get("description") or ""
    if editing and editable:

        def done(e: Any) -> None:
            save("description", e.control.value)
            set_editing(False)

        return ft.Column(
            [
                ft.TextField(
                    value=value,
                    multiline=True,
                    min_lines=4,
                    max_lines=16,
                    **typing(env, done),
                    autofocus=True,
                    hint_text=t("detail.description_hint"),
                ),
                ft.Row([ft.TextButton(t("detail.preview"), on_click=lambda _: set_editing(False))]),
            ]
        )
    preview = (
        ft.Markdown(value, selectable=True, extension_set=ft.MarkdownExtensionSet.GITHUB_WEB)
        if value.strip()
        else text(t("detail.no_description"), color=ft.Colors.ON_SURFACE_VARIANT)
    )
    return ft.Container(
        preview,
        on_click=(lambda _: set_editing(True)) if editable else None,
        padding=8,
        border_radius=6,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        tooltip=t("detail.click_to_edit") if editable else None,
    )


@ft.component
def Snooze(task_id: str) -> ft.Control:
    """ "Remind me later" on one of my tasks with a due time: in an hour, tomorrow morning, or at a
    time typed like a due date. The reminder log keeps it, so it survives a restart."""
    env = use_env()
    picking, set_picking = ft.use_state(False)
    runner = env.reminders.runner
    settings = runner.settings

    def snooze(choice: str | datetime) -> None:
        try:
            until = runner.snooze(task_id, choice)
        except ValueError:
            env.toast(t("detail.error.date"))
            return
        set_picking(False)
        env.toast(snoozed_text(until, datetime.now(UTC), settings.tz()))

    def pick(typed: str) -> None:
        try:
            moment = parse_local_date(typed, settings.tz())
        except ValueError:
            env.toast(t("detail.error.date"))
            return
        if moment is None:
            set_picking(False)
        else:
            snooze(moment)

    menu = ft.PopupMenuButton(
        icon=ft.Icons.SNOOZE,
        tooltip=t("detail.snooze"),
        items=[
            ft.PopupMenuItem(content=snooze_label("hour", settings.morning), on_click=lambda _: snooze("hour")),
            ft.PopupMenuItem(content=snooze_label("tomorrow", settings.morning), on_click=lambda _: snooze("tomorrow")),
            ft.PopupMenuItem(content=snooze_label("pick", settings.morning), on_click=lambda _: set_picking(True)),
        ],
    )
    return ft.Row([Entry(t("detail.date_hint"), pick, width=220, autofocus=True, visible=picking), menu], tight=True)


@ft.component
def TaskDetail(task_id: str, full_screen: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    error, set_error = ft.use_state("")
    tab, set_tab = ft.use_state("comments")
    detail = use_store(lambda: store.task_detail(task_id), ("task", "comment", "watch", "status"), [task_id])
    if detail is None:
        return ft.Container(
            ft.Column([text(t("detail.gone")), ft.TextButton(t("common.close"), on_click=lambda _: close())]),
            padding=24,
        )
    task = detail.task
    project_id = task["project_id"]
    role = store.role(project_id)
    editable = can_edit(role) and can_edit_tasks(store.project(project_id), role)  # not in an archived project
    people = [p for p in store.users() if any(m["user_id"] == p["id"] for m in store.members(project_id))]
    names = {p["id"]: p["display_name"] for p in store.users()}
    statuses = store.statuses(project_id)
    now = datetime.now().astimezone()

    def close() -> None:
        env.nav.task_id = None

    def save(field: str, raw: Any) -> None:
        try:
            fields = field_update(task, field, raw, store)
        except FieldError as exc:
            set_error(t(exc.key))
            return
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

    done_ids = {s["id"] for s in statuses if s["category"] == "done"}

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
            label=None,
        )

    def line(field: str, value: str, hint: str) -> ft.Control:
        """A one-line field saved when it loses the focus or on Enter."""
        return ft.TextField(
            value=value,
            hint_text=hint,
            **typing(env, on_value(field)),
            on_submit=on_value(field),
            read_only=not editable,
            dense=True,
            expand=True,
        )

    estimate = "" if task.get("estimate") is None else str(task["estimate"])
    parent = store.task(task["parent_id"]) if task.get("parent_id") else None
    parent_key = (parent.get("key") or parent["id"]) if parent else ""

    def field_row(name: str, control: ft.Control) -> ft.Control:
        return ft.Row([_label(name), control], vertical_alignment=ft.CrossAxisAlignment.CENTER)

    title = ft.TextField(
        value=task["title"],
        **typing(env, on_value("title")),
        on_submit=on_value("title"),
        read_only=not editable,
        text_size=20,
        border=ft.UnderlineInputBorder() if editable else ft.NoInputBorder(),
        multiline=False,
        label=t("detail.title"),
    )
    snoozable = (
        env.reminders is not None
        and task.get("due_at") is not None
        and task.get("assignee_id") == store.user_id
        and task["status_id"] not in done_ids
    )
    header = ft.Row(
        [
            ft.Icon(PRIORITY_ICONS[task["priority"]], color=PRIORITY_COLORS[task["priority"]]),
            text(task.get("key") or t("card.unnumbered"), color=ft.Colors.ON_SURFACE_VARIANT),
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
        ]
    )
    labels = ft.Row(
        [
            *[
                ft.Chip(
                    label=ft.Text(label),
                    on_delete=(lambda _, lb=label: store.update_task(task_id, labels_remove=[lb]))
                    if editable
                    else None,
                )
                for label in task["labels"]
            ],
            Entry(t("detail.add_label"), add_label, width=140, visible=editable),
        ],
        wrap=True,
        expand=True,
        spacing=6,
    )
    fields = ft.Column(
        [
            field_row(
                t("detail.status"), dropdown("status_id", task["status_id"], [(s["id"], s["name"]) for s in statuses])
            ),
            field_row(
                t("detail.assignee"),
                dropdown(
                    "assignee_id",
                    task.get("assignee_id"),
                    [(p["id"], p["display_name"]) for p in people],
                    allow_none=True,
                ),
            ),
            field_row(
                t("detail.priority"),
                dropdown("priority", task["priority"], [(p, t(f"priority.{p}")) for p in PRIORITIES]),
            ),
            field_row(t("detail.type"), dropdown("type", task.get("type"), [(k, t(f"type.{k}")) for k in TYPES])),
            field_row(t("detail.labels"), labels),
            field_row(
                t("detail.start"), line("start_at", local_date_text(task.get("start_at")), t("detail.date_hint"))
            ),
            field_row(t("detail.due"), line("due_at", local_date_text(task.get("due_at")), t("detail.date_hint"))),
            field_row(t("detail.estimate"), line("estimate", estimate, t("detail.estimate_hint"))),
            field_row(t("detail.parent"), line("parent", parent_key, "KEY-12")),
        ],
        spacing=8,
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
    )
    comments = [
        ft.Container(
            ft.Column(
                [
                    ft.Row(
                        [
                            avatar(_initials(names.get(c["author_id"], "?")), names.get(c["author_id"], "?"), 22),
                            text(names.get(c["author_id"], "?"), weight=ft.FontWeight.W_600, size=13),
                            text(relative_time(c["created_at"], now), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                            unsynced_mark(bool(c.get("pending"))),
                        ],
                        spacing=8,
                    ),
                    ft.Markdown(c["body"], selectable=True, extension_set=ft.MarkdownExtensionSet.GITHUB_WEB),
                ],
                spacing=4,
            ),
            padding=ft.Padding.only(bottom=8),
        )
        for c in detail.comments
    ]
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
        for a in activity(store, task_id)
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
            *([*comments, CommentBox(task_id, people, editable)] if tab == "comments" else acts),
        ],
        spacing=8,
    )
    body = ft.Column(
        [
            header,
            title,
            text(error, color=ft.Colors.ERROR) if error else ft.Container(),
            fields,
            text(t("detail.description"), weight=ft.FontWeight.W_600),
            Description(task, editable, save, key=f"desc-{task_id}"),
            subtasks,
            ft.Divider(),
            lower,
        ],
        spacing=12,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
    return ft.Container(
        body,
        padding=16,
        expand=True,
        bgcolor=ft.Colors.SURFACE,
        border=None if full_screen else ft.Border.only(left=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )


def _initials(name: str) -> str:
    from app.state.fmt import initials

    return initials(name)
