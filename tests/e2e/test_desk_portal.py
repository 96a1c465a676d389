"""The requester's side in real Chromium, at phone size, without JavaScript: the public form files a
ticket and lands on its portal; a public reply shows and an internal note does not; the requester
replies, confirms and rates 2 with taps; the admins get `low_satisfaction`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import missing, test_settings
from tests.e2e.browser import browser, chromium_missing
from tests.factories import Api
from tests.live_server import live_server
from tests.server.desk import Desk, latest, make_desk

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Desk, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with live_server(test_settings(f"sqlite:///{tmp_path / 'server.db'}")) as url, httpx.Client(base_url=url) as http:
        desk = make_desk(Api(http))
        desk.alice.post(f"/api/v1/projects/{desk.id}/intake", json={"public_form": True})
        with browser() as chromium:
            context = chromium.new_context(
                viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN",
                extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
            )  # fmt: skip
            yield url, desk, context.new_page()
            context.close()


def test_form_reply_confirm_and_a_low_rating(site: tuple[str, Desk, Any]) -> None:
    url, desk, page = site
    page.goto(f"{url}/portal/{desk.key}/new")
    page.get_by_label("标题").fill("退款一直没到账")
    page.get_by_label("详细描述").fill("申请退款已经 5 天了 <b>还没到</b>")
    page.get_by_label("您的称呼").fill("韩梅梅")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/portal/t/**")
    assert "已收到，等待处理" in page.content()
    ticket_id = next(iter(latest(desk.alice, "ticket")))
    assert latest(desk.alice, "ticket")[ticket_id]["channel"] == "web"

    desk.bob.comment(ticket_id, "您好，退款已重新提交，预计 1 个工作日到账。", visibility="public")
    desk.bob.comment(ticket_id, "内部：支付网关回调丢了", visibility="internal")
    page.reload()
    text = page.inner_text("body")
    assert "退款已重新提交" in text and "支付网关" not in text

    page.get_by_label("补充说明").fill("好的，谢谢")
    page.get_by_role("button", name="发送").click()
    page.wait_for_url("**?done=reply")
    assert "已发送" in page.inner_text("body") and "好的，谢谢" in page.inner_text("body")
    assert any(c["author_id"] is None for c in latest(desk.alice, "comment").values())

    desk.move(ticket_id, "已解决")
    page.reload()
    page.get_by_role("button", name="已解决", exact=True).click()
    page.wait_for_url("**?done=confirm")
    page.get_by_label("想说的话（选填）").fill("太慢了")
    page.get_by_role("button", name="2", exact=True).click()
    page.wait_for_url("**?done=rate")
    assert "感谢您的评价" in page.inner_text("body")
    row = latest(desk.alice, "ticket")[ticket_id]
    assert row["closed_at"] is not None and (row["satisfaction"], row["satisfaction_comment"]) == (2, "太慢了")
    for admin in (desk.alice, desk.adam):
        assert "low_satisfaction" in [n["kind"] for n in latest(admin, "notification").values()]
