"""Driving the app in headless Debian Chromium (never `playwright install`), with Flutter's
semantics tree switched on so controls are found by role and name (see FLET-NOTES.md)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keel_cli import free_port
from tests.conftest import missing

CHROMIUM = os.environ.get("KEEL_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def wait_http(url: str, process: subprocess.Popen[Any] | None = None, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


@contextlib.contextmanager
def demo_server(tmp: Path, handles: dict[str, Any] | None = None) -> Iterator[str]:
    """`keel server --demo` on a free port; its process goes into `handles["server_process"]` (a
    test that takes the server away, to be offline, terminates it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "keel_cli",
        "server",
        "--demo",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp / 'server.db'}",
        "--log-level",
        "warning",
    ]
    with process(command, {**os.environ, "PYTHONUNBUFFERED": "1"}, tmp / "server.log") as child:
        wait_http(url + "/api/v1/health", child)
        if handles is not None:
            handles["server_process"] = child
        yield url


@contextlib.contextmanager
def app_server(tmp: Path, server_url: str, *, lang: str = "zh_CN.UTF-8", name: str = "app") -> Iterator[str]:
    """`keel app --web` on a free port, whose "Try the demo" signs in to `server_url`."""
    port = free_port()
    data = tmp / f"{name}-data"
    command = [
        sys.executable,
        "-m",
        "keel_cli",
        "app",
        "--web",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--demo-server",
        server_url,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LANG": lang, "LC_ALL": lang, "FLET_FORCE_WEB_SERVER": "true"}
    with process(command, env, tmp / f"{name}.log") as child:
        wait_http(f"http://127.0.0.1:{port}/", child)
        yield f"http://127.0.0.1:{port}/"


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_app(chromium: Any, url: str, width: int = 1440, height: int = 900, timezone_id: str | None = None) -> Any:
    page = chromium.new_page(viewport={"width": width, "height": height}, timezone_id=timezone_id)
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    return page


def named(page: Any, pattern: str) -> Any:
    """Any element whose accessible name or text matches the regular expression."""
    return page.get_by_text(re.compile(pattern)).first


def wait_until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def type_in(page: Any, box: Any, value: str) -> None:
    """Click the text box, select all, type, and check that the box holds `value`: on a loaded machine
    the first keys can land before the field holds the focus, or the click can land on a field that
    moved while the page was still laying out (FLET-NOTES), so the value is typed again, up to 3 times."""
    held = ""
    for _ in range(3):
        # The element itself, not the locator: a box named by its hint loses that name once it holds text.
        element = box.element_handle()
        element.click()
        page.wait_for_timeout(200)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        if wait_until(lambda held=element: held.input_value() == value, 3.0):
            return
        held = element.input_value()
    raise AssertionError(f"the text box holds {held!r}, not {value!r}")


def type_into(page: Any, label: str, value: str) -> None:
    """`type_in` the first text box whose accessible name matches the regular expression `label`."""
    type_in(page, page.get_by_role("textbox", name=re.compile(label)).first, value)


FAST_HASHES = {"KEEL_ARGON2_TIME_COST": "1", "KEEL_ARGON2_MEMORY_KIB": "1024"}


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Sets environment variables (the processes started meanwhile inherit them), restored afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def demo_stack(
    tmp: Path, *, name: str = "app", width: int = 1440, height: int = 900, timezone_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """A demo server, `keel app --web` signed in to nothing yet, and a chromium page on the app (in
    the browser time zone `timezone_id`, else the machine's). Sign-in hashing is made cheap (the
    processes inherit it) and restored afterwards."""
    handles: dict[str, Any] = {}
    with (
        environment(**FAST_HASHES),
        demo_server(tmp, handles) as server_url,
        app_server(tmp, server_url, name=name) as url,
        browser() as chromium,
    ):
        page = open_app(chromium, url, width, height, timezone_id)
        yield {"server": server_url, "page": page, "tmp": tmp, **handles}


def visible(locator: Any, timeout: float = 20_000) -> Any:
    """`locator`, once it is visible (an assertion error after `timeout` ms)."""
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=timeout)
    return locator


def signed_in_stack(name: str, **options: Any) -> Any:
    """A module-scoped pytest fixture (assign it to a module's `stack`): a `demo_stack` named `name`
    (`options` go to it), signed in with "一键体验演示" as 王伟 and on the home screen, its parts plus
    "cache", the app's store file. Skips where Chromium is missing."""

    @pytest.fixture(scope="module")
    def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
        reason = chromium_missing()
        if reason:
            missing(reason)
        tmp = tmp_path_factory.mktemp(name)
        with demo_stack(tmp, name=name, **options) as parts:
            page = parts["page"]
            visible(page.get_by_role("button", name=re.compile("一键体验演示")).first, 60_000).click()
            visible(page.get_by_text(re.compile("你好，王伟")).first, 60_000)
            yield {**parts, "cache": tmp / f"{name}-data" / "store.db"}

    return stack
