"""The service desk end to end, the agent in the app (Chromium) and the requester on the portal:
a ticket filed through the public form shows in the desk's queue with its SLA countdown; a public
reply from the app shows on the portal page, an internal note does not; once resolved, the
requester confirms and rates 2 on the portal, and the `low_satisfaction` notification reaches the
admin's inbox in the app."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import httpx
import pytest

from tests.e2e.browser import signed_in_stack, type_in, visible
from tests.e2e.test_app import api, server_rows, wait_for
from tests.e2e.test_detail import icon_button

pytestmark = pytest.mark.timeout(600)

ADMIN = "wangwei@demo.keel"  # the demo's sign-in: an admin of FB
TITLE = "退款申请 5 天了还没到账"
REPLY = "您好，退款已重新提交，预计 1 个工作日到账。"
NOTE = "内部：支付网关回调丢了，已找支付组"
DURATION = r"-?(\d+d \d+h|\d+h \d\dm|\d+m)"


stack = signed_in_stack("desk")


def write(page: Any, switch: str, hint: str, body: str, sent: Any) -> None:
    """Sends `body` from the ticket's reply box, with the public/internal switch on `switch`, until
    `sent()` (a click or keystroke while the detail redraws, on a busy machine, can miss)."""
    for _attempt in range(3):
        page.mouse.move(1100, 500)
        page.mouse.wheel(0, 3000)  # the detail's end, where the reply box is whole on screen
        page.wait_for_timeout(800)
        # The demo's overdue digest (a 4 s toast after the first sync) covers the reply box and its send button.
        page.get_by_text(re.compile(r"项任务已逾期")).first.wait_for(state="hidden", timeout=15_000)
        page.get_by_role("button", name=re.compile(f"^{switch}$")).first.click()
        type_in(page, visible(page.get_by_role("textbox", name=re.compile(hint)).first), body)
        icon_button(page, "发送").click()
        with contextlib.suppress(AssertionError):
            wait_for(sent, 15)
            return
    wait_for(sent, 15)


def desk_rows(http: httpx.Client, entity: str) -> list[dict[str, Any]]:
    """Every row of `entity` I receive, the desk's extension rows among them (`include=ticket`)."""
    cursor, found = 0, []
    while True:
        params = {"cursor": cursor, "limit": 1000, "client_id": "e2e-desk", "include": "ticket"}
        page = http.get("/api/v1/sync/pull", params=params).json()
        found += [c["row"] for c in page["changes"] if c["entity"] == entity]
        cursor = page["cursor"]
        if not page["has_more"]:
            return found


def portal_text(http: httpx.Client, portal: str) -> str:
    return http.get(portal, headers={"Accept-Language": "zh-CN"}).text


def test_form_queue_reply_note_resolve_and_a_low_rating(stack: dict[str, Any]) -> None:
    page, server = stack["page"], stack["server"]
    with api(server, ADMIN) as admin, httpx.Client(base_url=server, timeout=15) as public:
        desk = next(p for p in server_rows(admin, "project") if p["key"] == "FB")
        assert admin.post(f"/api/v1/projects/{desk['id']}/intake", json={"public_form": True}).status_code == 200
        filed = public.post(
            "/portal/FB/new",
            data={"title": TITLE, "description": "申请退款已经 5 天了 **还没到**", "requester_name": "韩梅梅"},
        )
        assert filed.status_code == 303, filed.text
        portal = filed.headers["location"]

        # The queue: the desk's entry appears once FB is the open project.
        page.get_by_role("button", name=re.compile("首页.*Tab")).first.click()
        page.get_by_text("用户反馈工单").first.click()
        page.get_by_role("button", name=re.compile("服务台.*Tab")).first.click()
        # The demo's forty-odd open tickets, the most urgent first, push a new one below the fold: the saved
        # queue 未分配 holds it (nobody has taken it yet).
        page.get_by_role("checkbox", name=re.compile("^未分配")).first.click()
        # Its line: the target, key, title, requester, category, the countdown, status.
        line = re.compile(f"首次响应 FB-\\d+ {TITLE} 韩梅梅 其他 {DURATION} 待处理")
        row = visible(page.get_by_role("button", name=line).first, 30_000)

        # A public reply from the app reaches the portal; an internal note does not.
        note_box = page.get_by_role("textbox", name=re.compile("内部备注"))
        for _attempt in range(4):  # a click while the queue redraws (a busy machine) can miss
            row.click()
            with contextlib.suppress(AssertionError):
                visible(note_box.first, 8_000)
                break
        visible(note_box.first)
        write(
            page,
            "公开回复",
            "回复提交人",
            REPLY,
            lambda: any(c.get("body") == REPLY for c in server_rows(admin, "comment")),
        )
        assert REPLY in portal_text(public, portal)

        noted = lambda: next((c for c in server_rows(admin, "comment") if c.get("body") == NOTE), None)  # noqa: E731
        write(page, "内部备注", "内部备注", NOTE, noted)
        note = noted()
        assert note["visibility"] == "internal"
        visible(page.get_by_text(re.compile(re.escape(NOTE))).first)
        assert NOTE not in portal_text(public, portal) and REPLY in portal_text(public, portal)

        # Resolved (moved to 已解决 by the admin), confirmed and rated 2 on the portal.
        ticket = next(t for t in server_rows(admin, "task") if t["title"] == TITLE)
        done = next(
            s for s in server_rows(admin, "status") if s["project_id"] == desk["id"] and s["category"] == "done"
        )
        moved = admin.post(
            "/api/v1/sync/push",
            json={
                "client_id": "e2e-desk",
                "mutations": [
                    {
                        "mutation_id": 1,
                        "name": "task.update",
                        "args": {"id": ticket["id"], "set": {"status_id": done["id"]}},
                    }
                ],
            },
        )
        assert moved.status_code == 200 and moved.json()["results"][0]["status"] == "applied", moved.text
        token_path = portal.split("/portal/t/")[1]
        assert public.post(f"/portal/t/{token_path}/confirm", data={"solved": "yes"}).status_code == 303
        assert (
            public.post(f"/portal/t/{token_path}/rating", data={"score": "2", "comment": "太慢了"}).status_code == 303
        )
        visible(page.get_by_text(re.compile("评分 2/5")).first, 30_000)  # the detail follows the sync

        # The admin's inbox in the app has the low_satisfaction notification.
        wait_for(lambda: any(n.get("kind") == "low_satisfaction" for n in desk_rows(admin, "notification")), 30)
        page.get_by_role("button", name=re.compile("通知.*Tab")).first.click()
        visible(page.get_by_text(re.compile(re.escape(ticket.get("key") or "FB-"))).first, 30_000)
