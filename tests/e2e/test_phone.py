"""A phone-size (390x844) pass over sign-in, board, task detail and inbox: bottom navigation, one
board column at a time, the detail full screen, and opening a notification from the inbox; then,
with the server gone, a due-soon reminder and a snooze from the cache alone."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack
from tests.e2e.test_app import api, server_rows, wait_for

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("phone"), name="phone", width=390, height=844) as parts:
        yield parts


@pytest.fixture
def phone(stack: dict[str, Any]) -> Any:
    return stack["page"]


def visible(locator: Any, timeout: float = 20_000) -> Any:
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=timeout)
    return locator


def cached_due(cache: Path, title: str) -> str | None:
    """The due time of the task titled `title` in the app's own cache (read-only, beside the app)."""
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT due_at FROM task WHERE title = ?", (title,)).fetchone()
    return row[0] if row else None


def unread(page: Any) -> int:
    """The inbox tab's badge, read from its accessible name ("63 通知")."""
    label = page.get_by_role("tab", name=re.compile("通知")).first.aria_snapshot()
    return int((re.findall(r"(\d+)\s*通知", label) or ["0"])[0])


def test_phone_sign_in_board_detail_and_inbox(phone: Any) -> None:
    from playwright.sync_api import expect

    page = phone
    visible(page.get_by_role("button", name=re.compile("一键体验演示")).first).click()
    visible(page.get_by_text(re.compile("你好，王伟")).first, 60_000)
    # Phone layout: a bottom navigation bar (tabs), not a rail.
    for name in ("首页", "看板", "设置"):
        visible(page.get_by_role("tab", name=re.compile(f"^{name}$")).first)
    page.get_by_role("tab", name=re.compile("^看板$")).first.click()
    # One column per screen: the status tabs name every column, and only the first column's cards show.
    visible(page.get_by_role("tab", name=re.compile(r"需求池 \d+"), selected=True).first)
    visible(page.get_by_role("tab", name=re.compile(r"开发中 \d+")).first)
    card = visible(page.get_by_role("button", name=re.compile(r"APP-\d+ ")).first)
    assert page.get_by_role("button", name=re.compile("APP-1 首页信息流改版")).count() == 0  # in 开发中, not shown
    card.click()
    close = page.locator('flt-semantics[aria-label="关闭（Esc）"] [role="button"]').first
    visible(close)
    visible(page.get_by_role("textbox", name=re.compile("^标题$")).first)
    close.click()
    expect(close).not_to_be_attached(timeout=10_000)
    before = unread(page)
    assert before > 0
    page.get_by_role("tab", name=re.compile("通知")).first.click()
    visible(page.get_by_role("button", name=re.compile("全部标为已读")).first)
    first = visible(
        page.get_by_role(
            "button", name=re.compile("在评论中提到了你|分配给你|发表了评论|更改了状态|即将到期|已逾期")
        ).first
    )
    first.click()
    visible(page.locator('flt-semantics[aria-label="关闭（Esc）"]').first)  # its task opened
    assert unread(page) <= before
    page.get_by_role("tab", name=re.compile("通知")).first.click()
    visible(page.get_by_role("button", name=re.compile("全部标为已读")).first).click()
    expect(page.get_by_role("tab", name=re.compile(r"^通知$"))).to_be_visible(timeout=15_000)  # no badge left


def test_an_offline_phone_still_fires_the_due_soon_reminder(stack: dict[str, Any]) -> None:
    """Runs last: it takes the server away. A task of mine gets a due time 40 minutes from now while
    the phone is offline; the reminder (24 h and 1 h before, both passed: one catch-up) goes off
    from the cache alone."""
    page = stack["page"]
    title = f"离线提醒 {int(time.time())}"
    with api(stack["server"], "wangwei@demo.keel") as http:
        me = http.get("/api/v1/me").json()["user"]["id"]
        project = next(row for row in server_rows(http, "project") if row["key"] == "APP")
        create = {"id": str(uuid.uuid4()), "project_id": project["id"], "title": title, "assignee_id": me}
        answer = http.post(
            "/api/v1/sync/push",
            json={
                "client_id": f"e2e-{uuid.uuid4()}",
                "mutations": [{"mutation_id": 1, "name": "task.create", "args": create}],
            },
        ).json()
        assert answer["results"][0]["status"] == "applied", answer
    page.get_by_role("tab", name=re.compile("^首页$")).first.click()
    mine = visible(page.get_by_role("button", name=re.compile(re.escape(title))).first, 30_000)  # synced to the phone
    server = stack["server_process"]
    server.terminate()
    server.wait(timeout=15)
    with pytest.raises(httpx.TransportError):
        httpx.get(stack["server"] + "/api/v1/health", timeout=2)
    soon = datetime.now().astimezone() + timedelta(minutes=40)  # the app runs in this machine's zone too
    cache = stack["tmp"] / "phone-data" / "store.db"
    for _attempt in range(3):  # a list re-rendering under the finger (a busy machine) opens another task
        mine.click()
        due = visible(page.get_by_role("textbox", name=re.compile("时间可省略")).first)  # the phone form: due first
        due.click()
        page.keyboard.type(soon.strftime("%Y-%m-%d %H:%M"))
        page.keyboard.press("Enter")
        try:
            wait_for(lambda: cached_due(cache, title), timeout=15)
            break
        except AssertionError:
            pass
        page.locator('flt-semantics[aria-label="关闭（Esc）"] [role="button"]').first.click()
    assert cached_due(cache, title), "the due time never reached the phone's cache"
    # Toasts queue (4 s each) behind any still showing: a generous wait, not a timing claim.
    visible(page.get_by_text(re.compile(f"任务即将到期：.*{re.escape(title)}")).first, 60_000)
    # Snoozed from the task, still offline: the reminder log keeps when it goes off again.
    page.locator('flt-semantics[aria-label="稍后提醒"] [role="button"]').first.click()
    visible(page.get_by_role("menuitem", name=re.compile("1 小时后提醒")).first).click()
    visible(page.get_by_text(re.compile("^将于.*再次提醒$")).first, 60_000)
