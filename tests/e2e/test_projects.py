"""A team's first day, end to end in Chromium: 王伟 creates a project from the app, adds a colleague
who shares no project with him yet by email, makes her an admin; she signs in on her own device
(a second `keel app --web` with its own data directory, in a second browser context) and finds
the project with her role. Then a status in use refuses to be deleted, with the reason."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import missing
from tests.e2e.browser import app_server, chromium_missing, demo_stack, environment, type_into
from tests.e2e.test_app import api, button, expect_text, icon_button, server_rows, wait_for

pytestmark = pytest.mark.timeout(600)

PROJECT = "团队周会"
KEY = "TDZH"  # 团队周会 in pinyin initials: the key the app suggests


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("projects"), name="owner") as parts:
        yield parts


def register(server: str, email: str, name: str) -> None:
    answer = httpx.post(
        server + "/api/v1/auth/register", json={"email": email, "password": "keel-demo", "display_name": name}
    )
    assert answer.status_code == 201, answer.text


def textbox(page: Any, label: str) -> Any:
    return page.get_by_role("textbox", name=re.compile(label)).first


def scroll(page: Any, dy: int) -> None:
    page.mouse.move(400, 500)
    page.mouse.wheel(0, dy)
    page.wait_for_timeout(800)


def test_create_a_project_invite_a_colleague_and_she_sees_it(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page, server, tmp = stack["page"], stack["server"], stack["tmp"]
    colleague = f"zhaolei{int(time.time())}@example.com"
    register(server, colleague, "赵蕾")
    button(page, "一键体验演示").click()
    expect_text(page, "你好，王伟", timeout=60_000)

    # Create: the key follows the name (pinyin initials), checked against the cache.
    button(page, "^新建项目$").click()
    type_into(page, "项目名称", PROJECT)
    expect_text(page, f"例如 {KEY}-12")  # the key field's help shows the suggested key
    type_into(page, "项目标识", "APP")
    expect_text(page, "标识 APP 已被你的某个项目使用")
    type_into(page, "项目标识", KEY)
    button(page, "活动项目").click()
    button(page, "^创建项目$").click()
    expect_text(page, "^To do$")  # its board, with the default statuses
    with api(server, "wangwei@demo.keel") as http:
        project = wait_for(lambda: next((p for p in server_rows(http, "project") if p["key"] == KEY), None))
        assert (project["name"], project["kind"]) == (PROJECT, "campaign")

        # Add her by email, then make her an admin.
        icon_button(page, "项目设置").click()
        type_into(page, "同事的邮箱", colleague)
        button(page, "^添加成员$").click()
        expect_text(page, "已添加 赵蕾")
        expect(textbox(page, "同事的邮箱")).to_have_value("", timeout=10_000)  # ready for the next one

        def her_role() -> str | None:
            rows = [m for m in server_rows(http, "member") if m["project_id"] == project["id"]]
            users = {u["id"]: u for u in server_rows(http, "user")}
            return next((m["role"] for m in rows if users.get(m["user_id"], {}).get("email") == colleague), None)

        assert wait_for(her_role) == "member"
        scroll(page, 800)  # down to the members
        page.get_by_role("button", name=re.compile("赵蕾的角色")).first.click()
        page.get_by_role("button", name=re.compile("^管理员$")).last.click()  # in the menu that opened
        assert wait_for(lambda: her_role() == "admin")

    # Her own device: another app with its own data directory, in another browser context.
    home = tmp / "her-home"
    with (
        environment(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",  # the documented headless opt-in
        ),
        app_server(tmp, server, name="colleague") as url,
    ):
        context = page.context.browser.new_context(viewport={"width": 390, "height": 844})
        try:
            her = context.new_page()
            her.goto(url)
            her.wait_for_selector("#loading", state="detached", timeout=60_000)
            her.locator("flt-semantics-placeholder").dispatch_event("click")
            expect(textbox(her, "服务器地址")).to_be_visible(timeout=60_000)
            type_into(her, "服务器地址", server)
            type_into(her, "^邮箱", colleague)
            type_into(her, "密码", "keel-demo")
            button(her, "^登录$").click()
            expect_text(her, "你好，赵蕾", timeout=60_000)
            # Her phone's home lists the project in its strip (key and name); a tap opens its board.
            strip = button(her, f"^{KEY} {PROJECT}$")
            expect(strip).to_be_visible(timeout=30_000)
            strip.click()
            expect(icon_button(her, "项目设置")).to_be_visible(timeout=30_000)
        finally:
            context.close()


def test_a_status_in_use_explains_why_it_cannot_be_deleted(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page = stack["page"]
    expect_text(page, "^状态$")  # still on the project's settings
    with api(stack["server"], "wangwei@demo.keel") as http:
        project = next(p for p in server_rows(http, "project") if p["key"] == KEY)
        todo = next(s for s in server_rows(http, "status") if s["project_id"] == project["id"] and s["name"] == "To do")
        answer = http.post(
            "/api/v1/sync/push",
            json={
                "client_id": f"e2e-projects-{int(time.time())}",
                "mutations": [
                    {
                        "mutation_id": 1,
                        "name": "task.create",
                        "args": {
                            "id": str(uuid.uuid4()),
                            "project_id": project["id"],
                            "title": "周会纪要",
                            "status_id": todo["id"],
                        },
                    }
                ],
            },
        ).json()
        assert answer["results"][0]["status"] == "applied", answer
    scroll(page, -2000)  # back up to the statuses
    expect_text(page, "^1 个任务$")  # the other device's task arrives live
    icon_button(page, "删除状态").click()  # the first status: To do
    expect_text(page, "“To do”里还有 1 个任务，不能删除")
    assert any(s["id"] == todo["id"] for s in server_rows_of(stack, "status"))
    # A new status: it joins the list, and the field is empty for the next one.
    type_into(page, "新状态的名称", "评审中")
    button(page, "^添加状态$").click()
    expect(page.get_by_role("textbox", name=re.compile("^状态名称"))).to_have_count(4, timeout=20_000)
    expect(textbox(page, "新状态的名称")).to_have_value("", timeout=10_000)
    wait_for(lambda: any(s["name"] == "评审中" for s in server_rows_of(stack, "status")))
    # The project's working days: China's until the owner picks Monday to Friday, which reaches the server.
    radio = page.get_by_role("radio", name=re.compile("^周一至周五"))
    radio.scroll_into_view_if_needed()
    radio.click()
    expect_text(page, "工作日：周一至周五")
    wait_for(lambda: any(p["key"] == KEY and p["calendar"] == "weekdays" for p in server_rows_of(stack, "project")))


def server_rows_of(stack: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    with api(stack["server"], "wangwei@demo.keel") as http:
        return server_rows(http, entity)


def test_offline_a_stranger_cannot_be_looked_up_but_a_colleague_can_be_added(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page = stack["page"]
    stack["server_process"].terminate()  # the server is gone: this test runs last
    stack["server_process"].wait(timeout=15)
    scroll(page, 800)  # down to the members
    type_into(page, "同事的邮箱", "someone.new@example.com")
    button(page, "^添加成员$").click()
    expect_text(page, "现在离线，查不到这个邮箱")
    # 李娜 shares APP with 王伟, so the cache knows her: she is added offline, and syncs later.
    type_into(page, "同事的邮箱", "lina@demo.keel")
    button(page, "^添加成员$").click()
    expect_text(page, "已添加 李娜")
    expect(page.get_by_role("button", name=re.compile("李娜的角色")).first).to_be_visible(timeout=20_000)
