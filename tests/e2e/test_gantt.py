"""The Gantt chart in the browser: a bar dragged three days later moves the task's start and due
dates (in the cache, then on the server), and the task's detail, opened from the bar, shows the new
due date; a drag from the dot after a bar onto another bar adds a `blocks` link.

The chart opens scrolled to today, the demo's ten weeks of bars reaching off its left edge: the tests
take bars that are on screen (their labelled boxes' places, once the scroll has settled) and find
their task by its key."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.state.gantt import DAY_PX
from tests.e2e.browser import signed_in_stack, wait_until
from tests.e2e.test_app import api, server_rows, wait_for

pytestmark = pytest.mark.timeout(600)

stack = signed_in_stack("gantt")

BAR = re.compile(r"^APP-\d+ .* \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d$")  # a bar's box: a task with two dates
# The chart's rows on a 1440x900 page: right of the rail, below the time scale, above where a toast shows.
LEFT, RIGHT, TOP, BOTTOM = 110, 1420, 215, 800
THREE_DAYS = DAY_PX["week"] * 3


def query(cache: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


def bars_on_screen(page: Any, room: float = 0) -> list[str]:
    """The keys of the bars wholly on screen, with `room` pixels free after them, top to bottom, once
    two readings half a second apart agree (the chart scrolls to today after it opens)."""

    def read() -> list[tuple[str, float, float, float, float]]:
        found = []
        for box in page.get_by_text(BAR).all():
            at = box.bounding_box()
            if at is not None:
                found.append((box.inner_text().split(" ")[0], at["x"], at["y"], at["width"], at["height"]))
        return sorted(found, key=lambda b: b[2])

    seen: list[Any] = []

    def settled() -> bool:
        now = read()
        same = bool(now) and now == seen
        seen[:] = now
        page.wait_for_timeout(500)
        return same

    assert wait_until(settled, 30), "the Gantt's bars never settled"
    return [
        key
        for key, x, y, width, height in seen
        if x >= LEFT and x + width + room <= RIGHT and y >= TOP and y + height <= BOTTOM
    ]


def task_of(cache: Path, key: str) -> tuple[str, str, str]:
    """The task `key` of APP: id, start, due."""
    [(task_id, start, due)] = query(
        cache,
        "SELECT task.id, task.start_at, task.due_at FROM task JOIN project p ON p.id = task.project_id "
        "WHERE p.key = 'APP' AND task.number = ?",
        int(key.split("-")[1]),
    )
    return task_id, start, due


def cached_dates(cache: Path, task_id: str) -> tuple[str, str]:
    [(start, due)] = query(cache, "SELECT start_at, due_at FROM task WHERE id = ?", task_id)
    return start, due


def later(value: str, days: int) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(days=days)
    return moment.isoformat()


def same(a: str | None, b: str) -> bool:
    return a is not None and datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(b)


def drag_bar(page: Any, key: str, dx: float) -> None:
    """A mouse drag of `key`'s bar by its middle, `dx` pixels to the right in ten moves."""
    box = page.get_by_text(re.compile(f"^{key} ")).last.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x + dx * i / 10, y)
        page.wait_for_timeout(30)
    page.mouse.up()


def into_view(page: Any, key: str) -> dict[str, float]:
    """Where `key`'s bar box is, the chart scrolled by the mouse wheel until it is wholly among the rows
    on screen."""
    box = page.get_by_text(re.compile(f"^{key} ")).last
    for _attempt in range(5):
        at = box.bounding_box() if box.count() else None
        if at is not None and at["y"] >= TOP and at["y"] + at["height"] <= BOTTOM:
            return at
        page.mouse.move((LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2)
        page.mouse.wheel(0, at["y"] - (TOP + BOTTOM) / 2 if at is not None else 300)
        page.wait_for_timeout(800)
    raise AssertionError(f"{key}'s bar never came on screen")


def test_dragging_a_bar_moves_its_dates_and_the_detail_shows_them(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, cache = stack["page"], stack["cache"]
    page.get_by_role("button", name=re.compile("甘特图")).first.click()
    key = bars_on_screen(page, room=THREE_DAYS + 20)[0]
    task_id, start, due = task_of(cache, key)
    for _attempt in range(3):  # synthesised mouse input can be dropped whole by a busy renderer
        drag_bar(page, key, THREE_DAYS)
        if wait_until(lambda: cached_dates(cache, task_id) != (start, due), 10):
            break
    assert same(cached_dates(cache, task_id)[1], later(due, 3))
    assert same(cached_dates(cache, task_id)[0], later(start, 3))
    with api(stack["server"], "wangwei@demo.keel") as http:  # pushed: the server has it too
        wait_for(
            lambda: same(next(r for r in server_rows(http, "task") if r["id"] == task_id)["due_at"], later(due, 3))
        )
    # A click on the bar (now three days to the right) opens the detail, whose due badge shows the new date
    # (a done task's plain date; an open one's may say today, tomorrow or overdue, as the board's does).
    # The bar's labelled box, drawn again where the bar now is: some rows lower, as the rows go by start,
    # maybe below the fold. (A mouse click there: Playwright's click on the box's text finds the box's own
    # node "intercepting" it.)
    at = into_view(page, key)
    page.mouse.click(at["x"] + at["width"] / 2, at["y"] + at["height"] / 2)
    new = datetime.fromisoformat(later(due, 3)).astimezone()
    badge = rf"^{new.month}月{new.day}日$|^今天到期$|^明天到期$|^逾期 \d+ 天$"
    expect(page.get_by_text(re.compile(badge)).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text(re.compile(rf"^{key}$")).first).to_be_visible()


def linkable(cache: Path, keys: list[str]) -> tuple[str, str]:
    """Two of `keys`, the first starting no later than the second, neither blocking the other yet
    (through a chain or not), so a `blocks` link from the first to the second is no loop."""
    ids = {key: task_of(cache, key) for key in keys}
    reach = (
        "WITH RECURSIVE r(id) AS (SELECT ? UNION SELECT l.to_id FROM task_link l JOIN r ON l.from_id = r.id "
        "WHERE l.kind = 'blocks') SELECT 1 FROM r WHERE id = ?"
    )
    for source in keys:
        for target in keys:
            (a, a_start, _), (b, b_start, _) = ids[source], ids[target]
            if a != b and a_start <= b_start and not query(cache, reach, a, b) and not query(cache, reach, b, a):
                return source, target
    raise AssertionError(f"no two of {keys} can be linked")


def link_by_drag(page: Any, source: str, target: str) -> None:
    """From the dot after `source`'s bar onto `target`'s bar."""
    start = page.get_by_text(re.compile(f"^{source} ")).last.bounding_box()
    end = page.get_by_text(re.compile(f"^{target} ")).last.bounding_box()
    x, y = start["x"] + start["width"] + 8, start["y"] + start["height"] / 2
    to_x, to_y = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x + (to_x - x) * i / 10, y + (to_y - y) * i / 10)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_dragging_from_a_bars_dot_onto_another_bar_links_them(stack: dict[str, Any]) -> None:
    page, cache = stack["page"], stack["cache"]
    page.keyboard.press("Escape")  # the detail the first test left open
    page.get_by_role("button", name=re.compile("甘特图")).first.click()
    source, target = linkable(cache, bars_on_screen(page, room=20))
    (source_id, _, _), (target_id, _, _) = task_of(cache, source), task_of(cache, target)
    link = "SELECT 1 FROM task_link WHERE from_id = ? AND to_id = ? AND kind = 'blocks'"
    for _attempt in range(3):  # synthesised mouse input can be dropped whole by a busy renderer
        link_by_drag(page, source, target)
        if wait_until(lambda: query(cache, link, source_id, target_id), 10):
            return
    raise AssertionError(f"no blocks link from {source} to {target} after three drags")
