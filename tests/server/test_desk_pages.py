"""The requester's pages (PROTOCOL-2.md): the public form and the portal page, as a phone browser sees them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Api
from tests.server.desk import Desk, latest, make_desk

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}


@pytest.fixture
def desk(api: Api) -> Desk:
    return make_desk(api)


def open_form(desk: Desk) -> None:
    r = desk.alice.post(f"/api/v1/projects/{desk.id}/intake", json={"public_form": True})
    assert r.status_code == 200 and r.json()["public_form"] is True


def submit(desk: Desk, **fields: str) -> Any:
    data = {"title": "支付后订单没更新", "description": "付款成功但订单仍显示待支付", **fields}
    return desk.alice.http.post(f"/portal/{desk.key}/new", data=data, headers=ZH, follow_redirects=False)


def test_the_form_is_404_while_off(desk: Desk) -> None:
    assert desk.alice.http.get(f"/portal/{desk.key}/new").status_code == 404
    assert submit(desk).status_code == 404
    open_form(desk)
    page = desk.alice.http.get(f"/portal/{desk.key}/new", headers=ZH)
    assert page.status_code == 200 and "提交反馈" in page.text and "<script" not in page.text
    desk.alice.post(f"/api/v1/projects/{desk.id}/intake", json={"public_form": False})
    assert desk.alice.http.get(f"/portal/{desk.key}/new").status_code == 404


def test_a_posted_form_files_a_web_ticket_and_lands_on_its_portal(desk: Desk) -> None:
    open_form(desk)
    r = submit(desk, requester_name="韩梅梅", requester_contact="13800000000", category="experience")
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/portal/t/")
    ticket = next(iter(latest(desk.alice, "ticket").values()))
    assert (ticket["channel"], ticket["requester_name"], ticket["category"]) == ("web", "韩梅梅", "experience")
    page = desk.alice.http.get(location, headers=ZH)
    assert page.status_code == 200 and "支付后订单没更新" in page.text and "已收到，等待处理" in page.text


def test_a_bad_form_is_shown_again_with_what_was_typed(desk: Desk) -> None:
    open_form(desk)
    r = submit(desk, title="   ", requester_name="<b>韩</b>")
    assert r.status_code == 422
    assert "&lt;b&gt;韩&lt;/b&gt;" in r.text and "<b>韩</b>" not in r.text
    assert latest(desk.alice, "ticket") == {}


def test_the_portal_escapes_and_hides_internal_notes(desk: Desk) -> None:
    open_form(desk)
    location = submit(desk, title="<script>alert(1)</script>", requester_name="<i>x</i>").headers["location"]
    tid = next(iter(latest(desk.alice, "ticket")))
    desk.bob.comment(tid, "内部：这是后端问题", visibility="internal")
    desk.bob.comment(tid, "已为您补单 <img src=x onerror=alert(1)>", visibility="public")
    html = desk.alice.http.get(location, headers=ZH).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "已为您补单 &lt;img" in html
    assert "内部" not in html
    assert "<script" not in html  # zero JavaScript


def test_english_by_accept_language(desk: Desk) -> None:
    open_form(desk)
    location = submit(desk).headers["location"]
    assert "Received, waiting to be handled" in desk.alice.http.get(location, headers=EN).text
    assert "已收到，等待处理" in desk.alice.http.get(location).text  # Chinese unless English is preferred


def test_viewing_changes_nothing_and_the_actions_are_posts(desk: Desk) -> None:
    open_form(desk)
    location = submit(desk).headers["location"]
    tid = next(iter(latest(desk.alice, "ticket")))
    desk.move(tid, "已解决")
    before = latest(desk.alice, "ticket")[tid]
    for _ in range(3):  # a link scanner opening the page and the action paths
        assert desk.alice.http.get(location).status_code == 200
        assert desk.alice.http.get(f"{location}/rating?score=1").status_code in (404, 405)
        assert desk.alice.http.get(f"{location}/confirm?solved=yes").status_code in (404, 405)
    assert latest(desk.alice, "ticket")[tid] == before
    html = desk.alice.http.get(location, headers=ZH).text
    assert 'method="post"' in html and "问题解决了吗？" in html and "请为本次服务打分" in html


def test_reply_confirm_and_rate_through_the_page(desk: Desk) -> None:
    open_form(desk)
    location = submit(desk, requester_name="韩梅梅").headers["location"]
    tid = next(iter(latest(desk.alice, "ticket")))
    sent = desk.alice.http.post(f"{location}/reply", data={"body": "补充：安卓 14"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?done=reply")
    assert "补充：安卓 14" in desk.alice.http.get(location, headers=ZH).text
    refused = desk.alice.http.post(f"{location}/rating", data={"score": "5"}, headers=ZH)
    assert refused.status_code == 409 and "工单尚未解决" in refused.text
    desk.move(tid, "已解决")
    confirmed = desk.alice.http.post(f"{location}/confirm", data={"solved": "yes"}, follow_redirects=False)
    assert confirmed.status_code == 303
    rated = desk.alice.http.post(f"{location}/rating", data={"score": "2", "comment": "<慢>"}, follow_redirects=False)
    assert rated.status_code == 303
    row = latest(desk.alice, "ticket")[tid]
    assert row["closed_at"] is not None and (row["satisfaction"], row["satisfaction_comment"]) == (2, "<慢>")
    html = desk.alice.http.get(location, headers=ZH).text
    assert "请为本次服务打分" not in html and "您的评价：★★<" in html
    assert "Your rating: ★★<" in desk.alice.http.get(location, headers=EN).text  # no Chinese colon
    again = desk.alice.http.post(f"{location}/rating", data={"score": "5"}, headers=ZH)
    assert again.status_code == 409
    bad = desk.alice.http.post(f"{location}/rating", data={"score": "9"}, headers=ZH)
    assert bad.status_code == 422


def test_unknown_tokens_get_a_404_page(desk: Desk) -> None:
    for token in ("nope", "A" * 46):
        page = desk.alice.http.get(f"/portal/t/{token}", headers=ZH)
        assert page.status_code == 404 and "找不到该工单" in page.text
        assert desk.alice.http.post(f"/portal/t/{token}/reply", data={"body": "x"}).status_code == 404


def test_the_font_is_served_for_chinese_text(desk: Desk) -> None:
    open_form(desk)
    html = desk.alice.http.get(f"/portal/{desk.key}/new").text
    assert "/portal/static/NotoSansSC-Regular.otf" in html
    font = desk.alice.http.get("/portal/static/NotoSansSC-Regular.otf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/otf" and len(font.content) > 100_000


def test_the_form_files_other_unless_a_category_is_chosen(desk: Desk) -> None:
    open_form(desk)
    page = desk.alice.http.get(f"/portal/{desk.key}/new").text
    assert '<option value="other" selected>' in page
    submit(desk)
    assert next(iter(latest(desk.alice, "ticket").values()))["category"] == "other"


def test_pages_allow_no_script_and_are_never_cached(desk: Desk) -> None:
    open_form(desk)
    location = submit(desk).headers["location"]
    for path in (location, f"/portal/{desk.key}/new", "/portal/t/unknown"):
        r = desk.alice.http.get(path)
        policy = r.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, path
        assert r.headers["cache-control"] == "private, no-store" and r.headers["referrer-policy"] == "no-referrer"
