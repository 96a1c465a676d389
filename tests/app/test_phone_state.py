"""The phone's view state with no Flet: where a lifted card lands, when a pull syncs, how the list
sorts, what an avatar draws and which colours a chip takes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import flet as ft
import pytest

from app.state.board import PHONE_CARD_HEIGHT, WINDOW_MARGIN, BoardFilters, BoardModel, CardView, ListSort, Window
from app.state.drag import Drop, Lift, drop, follow
from app.state.pull import PULL_PX, Pull
from app.ui.base import avatar, avatar_glyphs
from app.ui.card import _desktop_body, _phone_body
from sync.store import Store
from tests.app.test_state_board import NOW, PID, store  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("chinese")

H = PHONE_CARD_HEIGHT
IDS = [f"c{i}" for i in range(10)]


def lifted(index: int, dx: float, dy: float, *, total: int = 10, width: float = 390) -> Lift:
    return follow(Lift(IDS[index], index, index), dx, dy, height=H, width=width, total=total)


def test_a_lifted_card_lands_a_place_per_card_height_and_stays_in_the_column() -> None:
    assert lifted(0, 0, H * 0.4).slot == 0 and not lifted(0, 0, H * 0.4).moved  # a wobble moves nothing
    assert lifted(0, 0, H * 2.1).slot == 2
    assert lifted(5, 0, -H * 3).slot == 2
    assert lifted(1, 0, -H * 5).slot == 0  # clamped to the top
    assert lifted(8, 0, H * 5).slot == 9  # and to the end
    assert lifted(3, 100, H).side == 0  # 100 px sideways is not a column change on a 390 px phone


def test_a_sideways_drag_targets_the_neighbouring_column() -> None:
    assert lifted(3, 150, 0).side == 1
    assert lifted(3, -150, 40).side == -1
    assert follow(Lift("c0", 0, 0), 150, 0, height=H, width=390, total=10, sides=(True, False)).side == 0  # no next


def test_the_preview_makes_room_where_the_card_will_land() -> None:
    down = Lift("c1", 1, 3)
    assert [down.shift(i) for i in range(5)] == [0, 2, -1, -1, 0]
    up = Lift("c4", 4, 2)
    assert [up.shift(i) for i in range(6)] == [0, 0, 1, 1, -2, 0]
    assert [Lift("c1", 1, 1, side=1).shift(i) for i in range(3)] == [0, 0, 0]


def test_a_release_moves_above_the_card_it_lands_on_or_to_the_end() -> None:
    neighbours = ("prev", "next")
    assert drop(Lift("c1", 1, 1), IDS, 0, 10, "todo", neighbours) == Drop(None)  # put back: no write
    assert drop(Lift("c1", 1, 3), IDS, 0, 10, "todo", neighbours) == Drop("todo", "c4")  # below c3
    assert drop(Lift("c4", 4, 2), IDS, 0, 10, "todo", neighbours) == Drop("todo", "c2")  # above c2
    assert drop(Lift("c4", 4, 9), IDS, 0, 10, "todo", neighbours) == Drop("todo", None)  # the end
    assert drop(Lift("c4", 4, 4, side=1), IDS, 0, 10, "todo", neighbours) == Drop("next", top=True)
    assert drop(Lift("c4", 4, 4, side=-1), IDS, 0, 10, "todo", (None, "next")) == Drop(None)
    # A window that starts further down the column: places count from the column's top.
    assert drop(Lift("c5", 105, 103), IDS, 100, 500, "todo", neighbours) == Drop("todo", "c3")


def test_a_pull_past_the_top_syncs_once() -> None:
    pull = Pull()
    assert not pull.feed("overscroll", 0, -PULL_PX / 2, now=10.0)
    assert pull.feed("overscroll", 0, -PULL_PX / 2, now=10.1)  # clamping physics: the pull adds up
    assert not pull.feed("overscroll", 0, -PULL_PX * 2, now=10.2)  # the same pull goes on: no second sync
    assert not Pull().feed("overscroll", 300, -PULL_PX * 2, now=1.0)  # an overscroll at the end is no pull
    assert Pull().feed("update", -PULL_PX - 1, None, now=1.0)  # bouncing physics: the offset is the pull
    scrolled = Pull()
    scrolled.feed("overscroll", 0, -PULL_PX / 2, now=1.0)
    scrolled.feed("update", 200, None, now=1.1)  # scrolled down in between: start again
    assert not scrolled.feed("overscroll", 0, -PULL_PX / 2, now=1.2)


def test_a_phone_window_counts_in_phone_card_heights() -> None:
    window = Window.at(50 * H, 600, 1000, height=H)  # 600 px show cards 50 to 56
    assert (window.start, window.end, window.height) == (50 - WINDOW_MARGIN, 57 + WINDOW_MARGIN, H)
    assert window.top_pad == window.start * H
    assert window.grown().height == H
    assert Window(5, 10, 20, H).bottom_pad == 10 * H


def rows(store: Store, sort: ListSort) -> list[CardView]:  # noqa: F811
    return BoardModel(store, PID, BoardFilters(), now=NOW).list_rows(sort=sort)


def keys(store: Store, sort: ListSort) -> list[str | None]:  # noqa: F811
    return [c.key for c in rows(store, sort)]


def test_the_list_sorts_by_each_column_and_reverses_on_a_second_click(store: Store) -> None:  # noqa: F811
    board_order = keys(store, ListSort())
    assert keys(store, ListSort("key")) == sorted(board_order, key=lambda k: int((k or "X-0").split("-")[1]))
    by_key = ListSort().toggled("key")
    assert by_key == ListSort("key") and by_key.toggled("key") == ListSort("key", descending=True)
    assert keys(store, by_key.toggled("key")) == list(reversed(keys(store, by_key)))
    titles = [c.title for c in rows(store, ListSort("title"))]
    assert titles == sorted(titles, key=str.casefold)
    statuses = [c.status_id for c in rows(store, ListSort("status"))]
    order = [s["id"] for s in store.statuses(PID)]
    assert statuses == sorted(statuses, key=order.index)
    priorities = [
        c.priority for c in BoardModel(store, PID, BoardFilters(), now=NOW).list_rows(sort=ListSort("priority"))
    ]
    ranks = ["urgent", "high", "medium", "low", "none"]
    assert priorities == sorted(priorities, key=ranks.index)


def test_empty_values_sort_last_both_ways(store: Store) -> None:  # noqa: F811
    for descending in (False, True):
        rows = BoardModel(store, PID, BoardFilters(), now=NOW).list_rows(sort=ListSort("due", descending))
        dues = [store.task(c.id)["due_at"] for c in rows]
        present = [d for d in dues if d]
        assert dues == sorted(present, reverse=descending) + [None] * (len(dues) - len(present))
        people = BoardModel(store, PID, BoardFilters(), now=NOW).list_rows(sort=ListSort("assignee", descending))
        names = [c.assignee_name for c in people]
        named = [n for n in names if n]
        assert names == sorted(named, reverse=descending) + [""] * (len(names) - len(named))


def card(**kw: object) -> CardView:
    fields: dict[str, object] = {
        "id": "c1",
        "key": "APP-1",
        "title": "首页改版",
        "status_id": "s",
        "position": "a0",
        "assignee_id": "u",
        "assignee": "王伟",
        "assignee_name": "王伟",
        "priority": "high",
        "due": "逾期 1 天",
        "overdue": True,
        "labels": ("iOS", "性能"),
        "subtasks_done": 1,
        "subtasks_total": 2,
        "pending": False,
    }
    return CardView(**{**fields, **kw})  # type: ignore[arg-type]


def walk(control: Any) -> Iterator[Any]:
    yield control
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.Control):
                yield from walk(c)


def test_an_avatar_draws_one_hanzi_or_two_letters_sized_to_its_circle() -> None:
    assert avatar_glyphs("王伟") == "伟" and avatar_glyphs("娜娜") == "娜"
    assert avatar_glyphs("LN") == "LN"
    for initials, size in (("王伟", 24), ("LN", 24), ("王伟", 26)):
        circle = avatar(initials, "someone", size)
        label = circle.content
        assert isinstance(label, ft.Text) and label.size is not None
        assert label.size >= 9.5  # legible
        assert label.size * len(label.value or "") <= size * 0.85  # and inside the circle


@pytest.mark.parametrize("body", [_desktop_body, _phone_body])
def test_cards_take_chip_colours_from_the_theme(body: Any) -> None:
    """Fixed light shades (BLUE_50, RED_50) glared on a dark board: every colour is a theme role."""
    colours = {
        str(getattr(c, attr))
        for c in walk(body(card()))
        for attr in ("bgcolor", "color")
        if getattr(c, attr, None) is not None
    }
    light = {c for c in colours if re.search(r"_(50|100|200)$", c.split(".")[-1])}
    assert not light, light
