"""A phone-size (390x844) pass over sign-in, board, task detail and inbox: bottom navigation, one
board column at a time, the detail full screen, and opening a notification from the inbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("phone"), name="phone", width=390, height=844) as parts:
        yield parts["page"]


def visible(locator: Any, timeout: float = 20_000) -> Any:
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=timeout)
    return locator


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
    # One column per screen: the status chips name every column, and only the first column's cards show.
    visible(page.get_by_role("checkbox", name=re.compile(r"需求池 \d+")).first)
    visible(page.get_by_role("checkbox", name=re.compile(r"开发中 \d+")).first)
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
