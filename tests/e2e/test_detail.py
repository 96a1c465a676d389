"""The task detail in the browser: a due date set with the date picker (in a browser whose time zone
is not the app's), and a mention opened from the inbox, scrolled to its comment."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from sync.ids import uuid7
from tests.e2e.browser import signed_in_stack, visible
from tests.e2e.test_app import api, server_rows, wait_for

pytestmark = pytest.mark.timeout(600)

BROWSER_ZONE = "Pacific/Auckland"  # far from the app's zone, so a day must survive the trip
TASK = "首页信息流改版：支持个性化推荐"  # APP-1


stack = signed_in_stack("detail", timezone_id=BROWSER_ZONE)


def icon_button(page: Any, label: str) -> Any:
    """An icon button by its tooltip (on the button itself, or on the node around it)."""
    return page.locator(
        f'flt-semantics[aria-label="{label}"] [role="button"], [role="button"][aria-label="{label}"]'
    ).first


def cached_due(cache: Path, title: str) -> str | None:
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT due_at FROM task WHERE title = ?", (title,)).fetchone()
    return row[0] if row else None


def local_day(value: str) -> date:
    """The day of a stored moment in this machine's zone (the app's)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone().date()


def open_app_1(page: Any) -> None:
    """APP-1's detail, from the board (a click while the board still lays itself out can miss)."""
    page.get_by_role("button", name=re.compile("看板 Tab")).first.click()
    card = visible(page.get_by_role("button", name=re.compile("APP-1 ")).first, 30_000)
    picker = icon_button(page, "选择截止日期")
    for _attempt in range(3):
        card.click()
        with contextlib.suppress(AssertionError):
            visible(picker, 10_000)
            return
    visible(picker)


def test_the_date_picker_sets_the_due_date(stack: dict[str, Any]) -> None:
    page, cache = stack["page"], stack["cache"]
    before = cached_due(cache, TASK)  # APP-1 is due late in the demo's active iteration, at 18:00 in the app's zone
    # The calendar opens on the month of the date it holds, in Chinese ("15, 2026年12月15日星期二"): its
    # 15th, or its 16th where APP-1 is due on the 15th already.
    shown = local_day(before) if before else datetime.now().date()
    wanted = shown.replace(day=16 if shown.day == 15 else 15)
    open_app_1(page)
    icon_button(page, "选择截止日期").click()
    name = rf"^{wanted.day}, {wanted.year}年{wanted.month}月{wanted.day}日"
    visible(page.get_by_role("button", name=re.compile(name)).first).click()
    page.get_by_role("button", name=re.compile("^确定$")).first.click()
    due = wait_for(lambda: (found := cached_due(cache, TASK)) != before and found)
    # The app's zone decides the stored moment: on the day picked in the browser, at the time of day the due
    # date had (18:00 for a day alone).
    moment, kept = (datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone() for v in (due, before or due))
    assert (moment.date(), moment.hour, moment.minute) == (wanted, *((kept.hour, kept.minute) if before else (18, 0)))
    visible(icon_button(page, "清除截止日期"))  # a date to clear
    badge = rf"^{wanted.month}月{wanted.day}日$|^今天到期$|^明天到期$|^逾期 \d+ 天$"
    visible(page.get_by_text(re.compile(badge)).first)
    icon_button(page, "关闭（Esc）").click()


def test_a_mention_opens_scrolled_to_its_comment(stack: dict[str, Any]) -> None:
    """Li Na writes eight long comments on APP-1, then mentions 王伟; from the inbox, the mention opens
    APP-1 with that comment on screen (the eight before it push it far below the fold)."""
    from playwright.sync_api import expect

    page = stack["page"]
    marker = f"请确认接口文档 {uuid.uuid4().hex[:6]}"
    with api(stack["server"], "lina@demo.keel") as http:
        task = next(row for row in server_rows(http, "task") if row["title"] == TASK)
        bodies = [f"第 {n} 条说明：" + "这是一段很长的评论，用来把后面的评论推到屏幕下方。" * 6 for n in range(8)]
        bodies.append(f"@王伟 {marker}")
        first = int(time.time() * 1000)  # ids in writing order: one push gives the comments one time
        mutations = [
            {
                "mutation_id": n + 1,
                "name": "comment.create",
                "args": {"id": uuid7(first + n), "task_id": task["id"], "body": body},
            }
            for n, body in enumerate(bodies)
        ]
        answer = http.post("/api/v1/sync/push", json={"client_id": f"e2e-{uuid.uuid4()}", "mutations": mutations})
        assert all(r["status"] == "applied" for r in answer.json()["results"]), answer.text
    page.get_by_role("button", name=re.compile("通知.*Tab")).first.click()
    mentions = visible(page.get_by_role("checkbox", name=re.compile("^@我的$")).first)
    mentions.click()
    expect(mentions).to_be_checked()
    # Newest first: once Li Na's mention tops the filtered list, the list stops moving under the click.
    item = page.get_by_role("button", name=re.compile("提到了你")).first
    expect(item).to_have_accessible_name(re.compile(f"李娜 提到了你.*APP-1 .*{re.escape(marker)}"), timeout=30_000)
    comment_box = page.get_by_role("textbox", name=re.compile("写评论"))  # only in an open detail
    for _attempt in range(3):  # a click while the list re-renders (a busy machine) can miss
        if item.count():
            item.click()
        with contextlib.suppress(AssertionError):
            visible(comment_box.first, 10_000)
            break
    visible(comment_box.first)
    expect(page.get_by_role("button", name="全部标为已读")).to_have_count(0)  # the inbox is gone: the board
    comment = visible(page.get_by_text(re.compile(re.escape(marker))).last)

    def on_screen() -> bool:
        box = comment.bounding_box()
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900

    wait_for(on_screen, timeout=15)
    # (The mention inside it is a link drawn in the accent colour; Flutter's semantics tree merges a
    # markdown paragraph into one text, so tests/app/test_detail_state.py checks the link itself.)


def test_a_label_chip_names_its_remove_button_in_the_language(stack: dict[str, Any]) -> None:
    """Flutter's chip says "Delete" (English) on its remove button unless told; APP-1 has iOS and 推荐."""
    page = stack["page"]
    open_app_1(page)
    visible(page.get_by_role("button", name="移除标签“iOS”", exact=True))
    visible(page.get_by_role("button", name="移除标签“推荐”", exact=True))
    assert page.get_by_role("button", name="Delete", exact=True).count() == 0
    icon_button(page, "关闭（Esc）").click()
