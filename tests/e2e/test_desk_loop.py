"""The desk's loop in real Chromium, on the demo's FB desk, through the app's own controls: 提交反馈
files a ticket that shows in the desk's queue; the ticket shows the similar earlier tickets of the
desk and is merged into one of them; another ticket is escalated to a requirement in APP; and a
resolved ticket's requester link, copied in the app, opens the portal at phone size without
JavaScript, where the requester confirms and rates once (a second rating is refused, a GET never
rates) and the app shows the rating. Tickets are found by their rows, never by positions."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack, type_in, type_into
from tests.e2e.test_app import api, wait_for
from tests.e2e.test_detail import icon_button, visible

pytestmark = pytest.mark.timeout(600)

ADMIN = "wangwei@demo.keel"  # the demo's sign-in: an admin of FB, a member of APP
FEEDBACK = "注册的时候一直收不到短信验证码"
FEEDBACK_TEXT = "点了获取验证码，等了十分钟也没有短信"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("desk-loop"), name="desk-loop") as parts:
        page = parts["page"]
        visible(page.get_by_role("button", name=re.compile("一键体验演示")).first, 60_000).click()
        visible(page.get_by_text(re.compile("你好，王伟")).first, 60_000)
        page.get_by_role("button", name=re.compile("首页.*Tab")).first.click()
        page.get_by_text("用户反馈工单").first.click()
        visible(page.get_by_role("button", name=re.compile("服务台.*Tab")).first, 30_000)
        yield parts


def rows(http: httpx.Client, entity: str) -> dict[str, dict[str, Any]]:
    """The live rows of `entity` I receive, by id, the desk's extension rows among them (`include=ticket`)."""
    cursor, found = 0, {}
    while True:
        params = {"cursor": cursor, "limit": 1000, "client_id": "e2e-desk-loop", "include": "ticket"}
        page = http.get("/api/v1/sync/pull", params=params).json()
        found |= {c["row"]["id"]: c["row"] for c in page["changes"] if c["entity"] == entity}
        cursor = page["cursor"]
        if not page["has_more"]:
            return {k: v for k, v in found.items() if not v.get("deleted")}


def desk_tickets(http: httpx.Client) -> list[dict[str, Any]]:
    """FB's tickets: each task row with its key, its `ticket` row and its status's `category`, by number."""
    fb = next(p for p in rows(http, "project").values() if p["key"] == "FB")
    statuses, tickets = rows(http, "status"), rows(http, "ticket")
    tasks = [t for t in rows(http, "task").values() if t["project_id"] == fb["id"] and t["id"] in tickets]
    out = [
        {**t, "key": f"FB-{t['number']}", "ticket": tickets[t["id"]], "category": statuses[t["status_id"]]["category"]}
        for t in tasks
    ]
    return sorted(out, key=lambda t: t["number"])


def newest(tickets: list[dict[str, Any]], keep: Any, what: str) -> dict[str, Any]:
    """The newest of `tickets` that `keep` takes (the demo's history is made, not picked by position)."""
    found = next((t for t in reversed(tickets) if keep(t)), None)
    assert found is not None, f"the demo's FB has no longer {what}"
    return found


def filter_queue(page: Any, needle: str, queue: str = "全部未结") -> None:
    """The desk screen, its saved queue `queue` (a chip), filtered by `needle`."""
    page.get_by_role("button", name=re.compile("服务台.*Tab")).first.click()
    visible(page.get_by_role("button", name=re.compile("^按编号排序")).first, 30_000)
    page.get_by_role("checkbox", name=re.compile(f"^{queue} \\d+")).first.click()
    type_in(page, page.get_by_role("textbox").first, needle)


def open_in_queue(page: Any, needle: str, key: str | None = None, queue: str = "全部未结") -> None:
    """`filter_queue`, then the ticket's detail (its row: the one with `key` when given, else the one
    naming `needle`), retried while the queue redraws."""
    filter_queue(page, needle, queue)
    row = page.get_by_role("button", name=re.compile(f"(^| ){re.escape(key or needle)} ")).first
    actions = page.get_by_role("button", name="复制提交人链接").first
    for _attempt in range(4):  # a click while the queue redraws (a busy machine) can miss
        visible(row, 30_000).click()
        with contextlib.suppress(AssertionError):
            visible(actions, 8_000)
            return
    visible(actions)


def picker(page: Any, button: str, row: Any) -> Any:
    """Taps the detail's button `button` until `row` (what it opens) shows; returns `row`."""
    for _attempt in range(3):
        visible(page.get_by_role("button", name=button).first).click()
        with contextlib.suppress(AssertionError):
            return visible(row, 8_000)
    return visible(row)


def click_until(page: Any, target: Any, done: Any, timeout: float = 15) -> Any:
    """Clicks `target` until `done()` holds (a click while the detail redraws can miss)."""
    for _attempt in range(3):
        visible(target).click()
        with contextlib.suppress(AssertionError):
            return wait_for(done, timeout)
    return wait_for(done, timeout)


def test_feedback_from_the_menu_becomes_a_ticket_in_the_queue(stack: dict[str, Any]) -> None:
    page = stack["page"]
    icon_button(page, "提交反馈").click()
    type_into(page, "一句话说明问题", FEEDBACK)
    type_into(page, "描述问题", FEEDBACK_TEXT)
    # While it is typed, the desk's similar open tickets show under the form (the SMS code cluster).
    visible(page.get_by_text("这些工单可能说的是同一件事").first)
    visible(page.get_by_text(re.compile("短信|验证码")).nth(2), 30_000)
    with api(stack["server"], ADMIN) as admin:
        filed = lambda: next((t for t in desk_tickets(admin) if t["title"] == FEEDBACK), None)  # noqa: E731
        ticket = click_until(page, page.get_by_role("button", name="提交", exact=True).first, filed)
        assert ticket["description"] == FEEDBACK_TEXT and ticket["ticket"]["channel"] == "app"
        # The queue shows it, waiting for its first response, its requester the person who sent it.
        filter_queue(page, FEEDBACK)
        line = re.compile(f"首次响应 {ticket['key']} {FEEDBACK} 王伟 其他 \\d+h \\d\\dm 待处理")
        visible(page.get_by_role("button", name=line).first, 30_000)


def test_a_ticket_shows_similar_earlier_tickets_and_merges_into_one(stack: dict[str, Any]) -> None:
    page = stack["page"]
    with api(stack["server"], ADMIN) as admin:
        tickets = {t["key"]: t for t in desk_tickets(admin)}
        mine = next(t for t in tickets.values() if t["title"] == FEEDBACK)
        open_in_queue(page, FEEDBACK)
        # The similar panel: earlier open tickets about the SMS code, each with its one-tap merge.
        offers = page.locator('[aria-label^="把当前工单合并到 FB-"]')
        visible(offers.first, 60_000)
        keys = [re.sub("^把当前工单合并到 ", "", o.get_attribute("aria-label")) for o in offers.all()]
        assert 1 <= len(keys) <= 3 and mine["key"] not in keys, keys
        similar = tickets[keys[0]]
        assert "验证码" in similar["title"] and similar["number"] < mine["number"], similar
        assert similar["category"] != "done" and similar["ticket"]["merged_into_id"] is None
        visible(page.get_by_text(similar["title"], exact=True).first)

        # Merged through 合并到…: the picker finds the earlier ticket by its key.
        picker(page, "合并到…", page.get_by_role("textbox", name="按编号或标题查找工单").first)
        type_into(page, "按编号或标题查找工单", similar["key"])
        target = page.get_by_role("button", name=re.compile(f"^{similar['key']} · "))
        merged = lambda: rows(admin, "ticket")[mine["id"]]["merged_into_id"] == similar["id"]  # noqa: E731
        click_until(page, target.first, merged)
        visible(page.get_by_text(f"已合并到 {similar['key']}").first)


def test_a_ticket_escalated_to_a_requirement_in_app(stack: dict[str, Any]) -> None:
    page = stack["page"]
    with api(stack["server"], ADMIN) as admin:
        app = next(p for p in rows(admin, "project").values() if p["key"] == "APP")
        ticket = newest(
            desk_tickets(admin),
            lambda t: t["category"] != "done" and t["title"] != FEEDBACK
            and not t["ticket"]["merged_into_id"] and not t["ticket"]["escalated_task_id"],
            "an open ticket, neither merged nor escalated",
        )  # fmt: skip
        open_in_queue(page, ticket["key"], ticket["key"])
        target = picker(page, "转为需求", page.get_by_role("button", name=re.compile("^APP · ")).first)
        escalated = lambda: rows(admin, "ticket")[ticket["id"]]["escalated_task_id"]  # noqa: E731
        made = click_until(page, target, escalated)
        requirement = wait_for(lambda: rows(admin, "task").get(made), 15)
        assert requirement["project_id"] == app["id"] and requirement["type"] == "requirement"
        assert requirement["title"] == ticket["title"] and ticket["key"] in requirement["description"]
        # The ticket names its requirement, and offers no second escalation (the server takes one).
        visible(page.get_by_text(f"已转为需求 APP-{requirement['number']}", exact=True).first, 30_000)
        assert page.get_by_role("button", name="转为需求").count() == 0


def test_the_requester_link_opens_the_portal_to_confirm_and_rate_once(stack: dict[str, Any]) -> None:
    page = stack["page"]
    with api(stack["server"], ADMIN) as admin:
        ticket = newest(
            desk_tickets(admin),
            lambda t: t["category"] == "done" and t["ticket"]["closed_at"] is None
            and t["ticket"]["satisfaction"] is None and t["ticket"]["merged_into_id"] is None,
            "a resolved ticket, neither confirmed nor rated",
        )  # fmt: skip
        open_in_queue(page, ticket["key"], ticket["key"], queue="已解决待确认")
        # The requester's link of a resolved ticket, copied in the app (the field shows it too).
        field = picker(page, "复制提交人链接", page.get_by_role("textbox", name="复制提交人链接").first)
        field.click()  # a read-only field gives its text to the page once focused
        link = wait_for(lambda: field.input_value(), 15)
        assert re.fullmatch(re.escape(stack["server"]) + r"/portal/t/[\w-]+", link), link

        with contextlib.closing(
            page.context.browser.new_context(
                viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN",
                extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
            )
        ) as phone:  # fmt: skip
            portal = phone.new_page()
            portal.goto(link)
            body = portal.inner_text("body")
            assert ticket["key"] in body and ticket["title"] in body and "已解决" in body
            # Link scanners only GET: neither the page nor the rating's address rates.
            assert phone.request.get(f"{link}?score=1").ok
            assert phone.request.get(f"{link}/rating?score=1").status == 405
            assert rows(admin, "ticket")[ticket["id"]]["satisfaction"] is None

            # The five scores fit one row of a phone's screen (they wrapped, the 5 off the screen).
            stars = [portal.get_by_role("button", name=str(n), exact=True).bounding_box() for n in range(1, 6)]
            assert len({round(b["y"]) for b in stars}) == 1 and stars[4]["x"] + stars[4]["width"] <= 390, stars

            portal.get_by_role("button", name="已解决", exact=True).click()
            portal.wait_for_url("**?done=confirm")
            assert wait_for(lambda: rows(admin, "ticket")[ticket["id"]]["closed_at"], 15)
            portal.get_by_label("想说的话（选填）").fill("很快，谢谢")
            portal.get_by_role("button", name="4", exact=True).click()
            portal.wait_for_url("**?done=rate")
            assert "感谢您的评价" in portal.inner_text("body")
            assert portal.get_by_role("button", name="5", exact=True).count() == 0  # rated: no more stars
            row = rows(admin, "ticket")[ticket["id"]]
            assert (row["satisfaction"], row["satisfaction_comment"]) == (4, "很快，谢谢")

            # Once per resolution: a second rating is refused and changes nothing.
            again = phone.request.post(f"{link}/rating", form={"score": "1", "comment": "再评一次"})
            assert again.status == 409 and "已经评价过" in again.text(), (again.status, again.text()[:500])
            assert rows(admin, "ticket")[ticket["id"]]["satisfaction"] == 4

        visible(page.get_by_text("评分 4/5").first, 30_000)  # the detail follows the sync
