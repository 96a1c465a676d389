"""A board card is light (Flet diffs every field of every control it sends, so a board of 27-control
cards took a second to open) yet still shows everything a card must; home draws at most HOME_ROWS
task rows; a column opens with MIN_WINDOW cards (it grows once laid out: tests/e2e)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import flet as ft

from app.state.board import MIN_WINDOW, CardView, Window
from app.state.home import TaskGroup
from app.ui.card import _desktop_body, _phone_body
from app.ui.screens.home import HOME_ROWS, _task_list

FULL = CardView(
    id="t1",
    key="APP-41",
    title="设备管理页设计",
    status_id="s1",
    position="a0",
    assignee_id="u1",
    assignee="王伟",
    assignee_name="王伟",
    priority="high",
    due="11月20日",
    overdue=True,
    labels=("iOS", "性能", "会员", "搜索"),
    subtasks_done=2,
    subtasks_total=5,
    pending=True,
)


def controls(root: Any) -> Iterator[Any]:
    """Every control under `root` (itself included), spans too: what Flet builds, diffs and sends."""
    yield root
    for f in dataclasses.fields(root):
        value = getattr(root, f.name, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ft.BaseControl):
                yield from controls(child)


def shown(root: Any) -> str:
    """The texts, span texts, icon names, tooltips and semantic labels under `root`, in one string."""
    out = []
    for c in controls(root):
        for name in ("value", "text", "tooltip", "semantics_label", "icon"):
            value = getattr(c, name, None)
            if value:
                out.append(str(value))
    return " ".join(out)


def icons(root: Any) -> set[Any]:
    return {c.icon for c in controls(root) if isinstance(c, ft.Icon)}


UNSYNCED, SUBTASKS = ft.Icons.CLOUD_UPLOAD_OUTLINED, ft.Icons.CHECK_BOX_OUTLINED


def test_a_desktop_card_is_light_and_shows_everything() -> None:
    body = _desktop_body(FULL)
    everything = shown(body)
    for part in ("APP-41", "设备管理页设计", "伟", "11月20日", "iOS", "性能", "会员", "2/5"):
        assert part in everything
    assert {UNSYNCED, SUBTASKS} <= icons(body)
    assert "高" in everything or "High" in everything  # the priority, named on its icon
    # Before: 22 controls in the body (chips of two to four controls each), 30 in the card.
    assert sum(1 for _ in controls(body)) <= 16
    assert sum(1 for c in controls(body) if not isinstance(c, ft.TextSpan)) <= 11


def test_a_phone_card_is_light_and_shows_everything() -> None:
    body = _phone_body(FULL)
    everything = shown(body)
    for part in ("APP-41", "设备管理页设计", "伟", "11月20日", "iOS", "2/5"):
        assert part in everything
    assert {UNSYNCED, SUBTASKS} <= icons(body)
    assert sum(1 for c in controls(body) if not isinstance(c, ft.TextSpan)) <= 11


def test_a_plain_card_has_no_badges_it_does_not_need() -> None:
    plain = dataclasses.replace(FULL, due=None, labels=(), subtasks_total=0, subtasks_done=0, pending=False)
    assert not {UNSYNCED, SUBTASKS} & icons(_desktop_body(plain))


def test_home_draws_at_most_home_rows_tasks_with_the_full_counts() -> None:
    cards = [dataclasses.replace(FULL, id=f"t{i}", key=f"APP-{i}") for i in range(120)]
    groups = [TaskGroup("overdue", cards[:30]), TaskGroup("today", cards[30:100]), TaskGroup("later", cards[100:])]
    pressed: list[bool] = []
    rows = _task_list(groups, HOME_ROWS, lambda card: None, False, lambda: pressed.append(True))
    drawn = [c for c in rows if isinstance(c, ft.Container)]  # a task row is a Container, a header a Row
    assert len(drawn) == HOME_ROWS == 50
    headers = " ".join(shown(r) for r in rows if isinstance(r, ft.Row))
    assert "30" in headers and "70" in headers  # the groups' full counts
    more = rows[-1]
    assert isinstance(more, ft.TextButton) and "120" in str(more.content)
    assert more.on_click is not None
    more.on_click(None)
    assert pressed == [True]
    everything = _task_list(groups, None, lambda card: None, False, lambda: None)
    assert sum(1 for c in everything if isinstance(c, ft.Container)) == 120
    assert not any(isinstance(c, ft.TextButton) for c in everything)


def test_a_column_opens_with_a_first_screenful() -> None:
    assert Window.at(0, 0, 10_000) == Window(0, MIN_WINDOW, 10_000) and MIN_WINDOW <= 8
