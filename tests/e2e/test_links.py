"""Dependencies in the task detail, in Chromium: a `blocks` link added by searching a task is listed
and reaches the server; the link back, which would close a loop, is refused with a sentence that
names the chain."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import signed_in_stack, type_in, visible
from tests.e2e.test_app import api, wait_for
from tests.e2e.test_detail import TASK, open_app_1

pytestmark = pytest.mark.timeout(600)


stack = signed_in_stack("links")


def query(cache: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


def unlinked_partner(cache: Path) -> tuple[str, str, str]:
    """(id, key, title) of a task of APP that has no link with APP-1 either way, and APP-1's id."""
    [(first,)] = query(
        cache, "SELECT task.id FROM task JOIN project p ON p.id = task.project_id AND p.key = 'APP' WHERE number = 1"
    )
    rows = query(
        cache,
        "SELECT task.id, 'APP-' || task.number, task.title FROM task JOIN project p ON p.id = task.project_id "
        "WHERE p.key = 'APP' AND task.number > 1 AND task.id NOT IN "
        "(SELECT to_id FROM task_link WHERE from_id = ? UNION SELECT from_id FROM task_link WHERE to_id = ?) "
        "ORDER BY task.number LIMIT 1",
        first,
        first,
    )
    return rows[0][0], rows[0][1], first


def server_links(server: str) -> list[dict[str, Any]]:
    """Every `task_link` row the server sends 王伟 in a full pull (an extension entity: asked for)."""
    found, cursor = [], 0
    with api(server, "wangwei@demo.keel") as http:
        while True:
            params = {"cursor": cursor, "limit": 1000, "client_id": "e2e", "include": "task_link"}
            page = http.get("/api/v1/sync/pull", params=params).json()
            found += [c["row"] for c in page["changes"] if c["entity"] == "task_link"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return found


def search_and_choose(page: Any, text: str, name: str) -> None:
    """Types `text` into the dependency search box and clicks the result `name`: the button of that name
    below the box (the line "被以下任务阻塞 APP-1 …" above it has the same name). The box is at the foot
    of a long detail, its results below the fold, where Flutter leaves them out of the page: the detail
    is scrolled with the mouse wheel until the box is high enough for its results to be on screen."""
    box = visible(page.get_by_role("textbox", name=re.compile("按编号或标题搜索本项目的任务")).first)
    held = box.element_handle()  # the box loses its hint's name once it holds text
    type_in(page, box, text)

    def found() -> Any:
        top = (held.bounding_box() or {"y": 0})["y"]
        buttons = page.get_by_role("button", name=name, exact=True)
        below = [b for b in buttons.all() if (b.bounding_box() or {"y": -1})["y"] > top]
        if below:
            return below[0]
        if top > 400:  # the box low on the screen: scrolled up to a third of the page, its results under it
            page.mouse.move(1100, 500)  # over the detail
            page.mouse.wheel(0, top - 300)
        return None

    wait_for(found).click()


def test_a_blocks_link_is_listed_and_a_loop_is_refused(stack: dict[str, Any]) -> None:
    page, cache = stack["page"], stack["cache"]
    wait_for(lambda: query(cache, "SELECT 1 FROM project WHERE key = 'APP'"), timeout=60)
    other_id, other_key, first_id = unlinked_partner(cache)
    other_title = query(cache, "SELECT title FROM task WHERE id = ?", other_id)[0][0]
    open_app_1(page)

    # APP-1 blocks the other task: search it, choose it, and see it under "阻塞以下任务". (A title
    # names one task; a key like APP-2 also matches APP-20..29, whose list may still be moving.)
    page.get_by_role("button", name="添加依赖").first.click()
    search_and_choose(page, other_title, f"{other_key} {other_title}")
    visible(page.get_by_text("阻塞以下任务", exact=True).first)
    wait_for(
        lambda: query(
            cache, "SELECT 1 FROM task_link WHERE from_id = ? AND to_id = ? AND pending = 0", first_id, other_id
        )
    )
    links = {r["id"]: r for r in server_links(stack["server"]) if r["from_id"] == first_id}
    assert [(r["to_id"], r["kind"], r["deleted"]) for r in links.values()] == [(other_id, "blocks", False)]

    # From the other task's detail, making it block APP-1 would close a loop: refused, and why.
    page.get_by_role("button", name=f"{other_key} {other_title}", exact=True).first.click()
    visible(page.get_by_text("被以下任务阻塞", exact=True).first)
    page.get_by_role("button", name="添加依赖").first.click()
    search_and_choose(page, TASK, f"APP-1 {TASK}")
    why = f"{other_key} 不能阻塞 APP-1：APP-1 已经在阻塞 {other_key}（APP-1 → {other_key}）"
    visible(page.get_by_text(re.compile(re.escape(why))).first)
    assert query(cache, "SELECT count(*) FROM task_link WHERE from_id = ? AND to_id = ?", other_id, first_id) == [(0,)]
