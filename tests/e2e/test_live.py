"""Live sync as people use it, in headless Chromium against `keel app --web` and a real demo
server: several tabs, one of them closed; changes from another person's CLI; the server killed
and started again; shortcuts; and each tab's own language.

One server and one app serve the module; the tests run in order (the second tab, `tab`, is the
one that stays open throughout). `LIVE_S` is the issue's bound: what another person did, or what
the server's death or return means, shows in every open tab within 2 s.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing
from tests.e2e.browser import (
    FAST_HASHES,
    app_server,
    browser,
    chromium_missing,
    demo_server,
    environment,
    named,
    open_app,
    process,
    wait_http,
)

LIVE_S = 2.0
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    tmp = tmp_path_factory.mktemp("live")
    handles: dict[str, Any] = {}
    with (
        environment(**FAST_HASHES),
        contextlib.ExitStack() as stack,
        demo_server(tmp, handles) as server,
        app_server(tmp, server) as url,
        browser() as chromium,
    ):
        yield {"server": server, "url": url, "chromium": chromium, "tmp": tmp, "exit": stack, **handles}


def expect_text(page: Any, pattern: str, timeout: float = 20_000) -> Any:
    from playwright.sync_api import expect

    locator = page.get_by_text(re.compile(pattern)).first
    expect(locator).to_be_visible(timeout=timeout)
    return locator


def button(page: Any, pattern: str) -> Any:
    return page.get_by_role("button", name=re.compile(pattern)).first


def keel(stack: dict[str, Any], *args: str, stdin: str | None = None) -> str:
    """`keel …` as 李娜, from her own data directory (another person on another machine)."""
    tmp = stack["tmp"]
    env = {
        **os.environ,
        "HOME": str(tmp / "lina-home"),
        "XDG_DATA_HOME": str(tmp / "lina-home" / "data"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",  # the documented headless opt-in
    }
    command = [sys.executable, "-m", "keel_cli", *args, "--data-dir", str(tmp / "lina-data")]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def open_tab(context: Any, url: str) -> Any:
    """Another tab of one browser (`context`: its storage is shared, as in one browser)."""
    page = context.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    return page


def x_of(locator: Any) -> float:
    box = locator.bounding_box(timeout=LIVE_S * 1000)
    assert box is not None
    return float(box["x"])


def test_two_tabs_signed_in_to_the_demo(stack: dict[str, Any]) -> None:
    browser_ = stack["chromium"].new_context()
    first = open_tab(browser_, stack["url"])
    button(first, "一键体验演示").click()
    expect_text(first, "你好，王伟", timeout=90_000)
    # The second tab opens after the first started the sync engine (the order that broke it).
    tab = open_tab(browser_, stack["url"])
    expect_text(tab, "你好，王伟", timeout=60_000)
    stack["first"], stack["tab"] = first, tab
    lina = ("--server", stack["server"], "--email", "lina@demo.keel", "--password-stdin")
    keel(stack, "login", *lina, stdin="keel-demo\n")
    keel(stack, "sync", "--quiet")


def test_a_closed_tab_does_not_stop_sync_for_the_others(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    tab = stack["tab"]
    button(tab, "看板 Tab").click()
    expect_text(tab, "^测试中$")
    box = tab.get_by_role("textbox", name=re.compile("筛选任务")).first
    box.click()
    tab.wait_for_timeout(500)  # a busy renderer may take the first key before the field has the focus
    tab.keyboard.type("APP-14")
    card = button(tab, "APP-14 iPad")
    expect(card).to_be_visible(timeout=20_000)
    testing = named(tab, "^测试中$")  # the column's title: a card in it sits right under it
    assert abs(x_of(card) - x_of(testing)) > 150, "APP-14 already sits in 测试中: pick another card"
    stack["first"].close()  # its session stays, without a connection, until Flet's timeout
    time.sleep(1.0)
    keel(stack, "tasks", "move", "APP-14", "--status", "测试中")
    keel(stack, "comment", "APP-14", "@wangwei 这个在测试了，请看一下")
    keel(stack, "sync", "--quiet")
    # The toasts, oldest first (the move, then the mention, which follows when the first one goes).
    expect_text(tab, "李娜 (更新了任务状态|在评论中提到了你)", timeout=LIVE_S * 1000)
    deadline = time.monotonic() + LIVE_S  # and the card in its new column
    while abs(x_of(card) - x_of(testing)) > 150:
        assert time.monotonic() < deadline, "APP-14 did not move to 测试中"
        tab.wait_for_timeout(100)


def test_the_indicator_follows_a_dead_and_a_returning_server(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    tab = stack["tab"]
    badge = tab.get_by_role("button", name=re.compile("^(已同步|同步中|离线)"))  # the status in the top bar
    expect(badge.first).to_have_accessible_name(re.compile("^已同步"))
    server: subprocess.Popen[bytes] = stack["server_process"]
    server.kill()  # no goodbye: the event stream just breaks
    server.wait()
    expect(badge.first).to_have_accessible_name(re.compile("^离线"), timeout=LIVE_S * 1000)
    # An edit while offline: it waits, and the indicator says so.
    tab.locator('flt-semantics[aria-label="在「需求池」中新建任务"] [role="button"]').first.click()
    box = tab.get_by_role("textbox", name=re.compile("任务标题")).first
    box.click()
    tab.wait_for_timeout(500)
    tab.keyboard.type("离线时新建的任务")
    tab.keyboard.press("Enter")
    expect(badge.first).to_have_accessible_name(re.compile("^离线 · 1 项待同步"))
    restart(stack)
    expect(badge.first).to_have_accessible_name(re.compile("^已同步"), timeout=LIVE_S * 1000)
    expect(badge.first).not_to_have_accessible_name(re.compile("待同步"))


def restart(stack: dict[str, Any]) -> None:
    """The demo server again, on its port and database (kept running until the module ends)."""
    port = stack["server"].rsplit(":", 1)[1]
    tmp: Path = stack["tmp"]
    command = [sys.executable, "-m", "keel_cli", "server", "--demo", "--port", port]
    command += ["--database-url", f"sqlite:///{tmp / 'server.db'}", "--log-level", "warning"]
    child = stack["exit"].enter_context(process(command, {**os.environ, "PYTHONUNBUFFERED": "1"}, tmp / "server2.log"))
    wait_http(stack["server"] + "/api/v1/health", child)


def test_every_tab_follows_the_store_and_the_rail(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    tab = stack["tab"]
    other = open_tab(tab.context, stack["url"])
    expect_text(other, "你好，王伟", timeout=60_000)
    button(other, "设置 Tab").click()
    expect_text(other, "^语言$")
    expect(other.get_by_role("button", name=re.compile(r"^\d+ 通知 Tab"))).to_be_visible()
    button(tab, "通知 Tab").click()
    button(tab, "全部标为已读").click()
    # The other tab's badge follows the store, and a click on 看板 there shows the board.
    expect(other.get_by_role("button", name=re.compile(r"^\d+ 通知 Tab"))).to_have_count(0, timeout=LIVE_S * 1000)
    button(other, "看板 Tab").click()
    expect_text(other, "^测试中$", timeout=10_000)
    expect(other.get_by_text(re.compile("^语言$"))).to_have_count(0)
    stack["other"] = other


def test_n_opens_quick_add_once_and_esc_closes_it(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    tab = stack["tab"]
    button(tab, "看板 Tab").click()
    expect_text(tab, "^测试中$")
    tab.mouse.click(700, 20)  # the top bar's empty middle: the focus on the page, not in a field
    quick_add = tab.get_by_role("textbox", name=re.compile("任务标题，回车创建"))
    tab.keyboard.press("n")
    expect(quick_add.first).to_be_visible(timeout=10_000)
    quick_add.first.click()
    tab.keyboard.press("Escape")
    expect(quick_add).to_have_count(0, timeout=10_000)
    button(tab, "首页 Tab").click()
    expect_text(tab, "你好，王伟")
    button(tab, "看板 Tab").click()
    expect_text(tab, "^测试中$")
    tab.wait_for_timeout(1500)  # a wrongly reopened quick add would be here by now
    expect(quick_add).to_have_count(0)


def test_language_and_theme_belong_to_the_tab(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    tab = stack["tab"]
    elsewhere = open_app(stack["chromium"], stack["url"])  # another browser: its own storage
    expect_text(elsewhere, "你好，王伟", timeout=60_000)
    button(tab, "设置 Tab").click()
    tab.get_by_role("radio", name="English").click()
    expect_text(tab, "^Language$")
    button(elsewhere, "通知 Tab").click()  # a re-render there: still Chinese
    expect_text(elsewhere, "全部标为已读")
    expect(elsewhere.get_by_role("button", name=re.compile("Home Tab"))).to_have_count(0)
    # A new tab of the same browser takes the browser's choice.
    same = open_tab(tab.context, stack["url"])
    expect_text(same, "Hello|Good", timeout=60_000)


@pytest.mark.xfail(
    strict=True,
    reason="the signed-in home still makes Flutter fetch Noto Sans SC fallback subsets (404) although every "
    "character on it is in the bundled font; the sign-in screen no longer does (not yet understood)",
)
def test_the_bundled_font_is_there_before_the_first_frame(stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page = stack["chromium"].new_page(viewport={"width": 1440, "height": 900})
    failed: list[str] = []
    fonts: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: fonts.append(r.url) if "NotoSansSC" in r.url else None)
    page.goto(stack["url"])
    page.wait_for_selector("#loading", state="detached", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    expect(page.get_by_text(re.compile("你好|Hello")).first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2000)  # a fallback font would be fetched around the first frames
    assert failed == []  # before: 404s for assets/fonts/notosanssc/…woff2
    assert any(url.endswith("/fonts/NotoSansSC-Regular.otf") for url in fonts)
