"""The comment thread: each comment in markdown with its @mentions of members highlighted, a scroll
key per comment (the inbox opens a mention scrolled to it), and the box that writes a new one with
@mention suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import flet as ft

from app.i18n import t
from app.state import mentions
from app.state.fmt import initials, relative_time
from app.ui.base import avatar, chip, text, typing, unsynced_mark, use_env


def comment_key(comment_id: str) -> ft.ScrollKey:
    return ft.ScrollKey(f"comment-{comment_id}")


def mention_style() -> ft.MarkdownStyleSheet:
    """Links (and so mentions, which are links to keel-mention:<id>) in the accent colour, bold."""
    return ft.MarkdownStyleSheet(
        a_text_style=ft.TextStyle(color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600),
    )


def Comment(
    comment: dict[str, Any],
    names: dict[str, str],
    people: list[dict[str, Any]],
    now: datetime,
    focused: bool,
    *,
    desk: bool = False,
) -> ft.Control:
    """One comment. A requester's (portal) comment has no author id but its `author_name`, and is
    plain text: what a requester typed is never run as markdown. On a desk's ticket each comment
    says whether the requester sees it; an internal note has its own background and label, so it
    never looks like a reply."""
    author = comment.get("author_name") or names.get(comment.get("author_id") or "", "?")
    from_requester = comment.get("author_id") is None
    internal = comment.get("visibility") == "internal"
    head: list[ft.Control] = [
        avatar(initials(author), author, 24),
        text(author, weight=ft.FontWeight.W_600, size=13),
        text(relative_time(comment["created_at"], now), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        unsynced_mark(bool(comment.get("pending"))),
    ]
    if desk:
        head.append(visibility_tag(internal, from_requester))
    body: ft.Control = (
        ft.Text(comment["body"], selectable=True, size=14)
        if from_requester
        else ft.Markdown(
            mentions.highlight(comment["body"], people),
            selectable=True,
            extension_set=ft.MarkdownExtensionSet.GITHUB_WEB,
            md_style_sheet=mention_style(),
        )
    )
    background = ft.Colors.SECONDARY_CONTAINER if focused else None
    if desk and internal:
        background = ft.Colors.AMBER_50
    return ft.Container(
        ft.Column([ft.Row(head, spacing=8, wrap=True), body], spacing=4),
        key=comment_key(comment["id"]),
        padding=ft.Padding.only(left=8, right=8, top=4, bottom=8),
        border_radius=8,
        bgcolor=background,
        border=ft.Border.only(left=ft.BorderSide(4, ft.Colors.AMBER_700)) if desk and internal else None,
    )


def visibility_tag(internal: bool, from_requester: bool) -> ft.Control:
    """ "内部备注" with a lock (amber), "提交人" or "公开回复" with an eye."""
    if internal:
        return chip(t("desk.reply.internal"), ft.Colors.AMBER_200, ft.Colors.BLACK, ft.Icons.LOCK_OUTLINE)
    label = t("desk.reply.from_requester") if from_requester else t("desk.reply.public")
    return chip(label, ft.Colors.BLUE_50, ft.Colors.BLUE_900, ft.Icons.PUBLIC)


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
