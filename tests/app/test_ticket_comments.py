"""A desk's thread: the requester's comment (author id null) shows its author_name and its body as
plain text, never run as markdown; an internal note never looks like a reply (its own background,
bar and label); a member's reply stays markdown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flet as ft
import pytest

from app.ui.detail.comments import Comment

pytestmark = pytest.mark.usefixtures("chinese")
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def comment(**fields: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "author_id": "u1",
        "author_name": None,
        "body": "好的",
        "created_at": "2026-12-07T02:00:00Z",
    } | fields


def texts(control: Any) -> list[str]:
    """Every string drawn under a control (Text values, Markdown sources), depth first."""
    found = []
    if isinstance(control, ft.Text) and isinstance(control.value, str):
        found.append(control.value)
    if isinstance(control, ft.Markdown):
        found.append(control.value)
    for attr in ("content", "controls"):
        child = getattr(control, attr, None)
        for c in child if isinstance(child, list) else [child] if child is not None else []:
            found += texts(c)
    return found


def body_of(control: ft.Container) -> ft.Control:
    column = control.content
    assert isinstance(column, ft.Column)
    return column.controls[1]


def test_the_requesters_words_are_plain_text_under_their_name() -> None:
    row = comment(author_id=None, author_name="韩梅梅", body="**急** [点我](javascript:alert(1))", visibility="public")
    drawn = Comment(row, {}, [], NOW, False, desk=True)
    body = body_of(drawn)
    assert isinstance(body, ft.Text) and body.value == "**急** [点我](javascript:alert(1))"
    assert "韩梅梅" in texts(drawn) and "?" not in texts(drawn)
    assert "提交人" in texts(drawn)


def test_an_internal_note_never_looks_like_a_reply() -> None:
    names = {"u1": "王伟"}
    note = Comment(comment(visibility="internal", body="内部：网关回调丢了"), names, [], NOW, False, desk=True)
    reply = Comment(comment(visibility="public", body="已处理"), names, [], NOW, False, desk=True)
    assert "内部备注" in texts(note) and "内部备注" not in texts(reply)
    assert "公开回复" in texts(reply)
    assert note.bgcolor != reply.bgcolor and note.border is not None and reply.border is None
    assert isinstance(body_of(reply), ft.Markdown)  # a member's reply keeps its markdown


def test_outside_a_desk_nothing_changes() -> None:
    drawn = Comment(comment(body="看起来不错"), {"u1": "王伟"}, [], NOW, False)
    assert "公开回复" not in texts(drawn) and isinstance(body_of(drawn), ft.Markdown)
