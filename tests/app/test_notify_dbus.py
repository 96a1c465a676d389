"""The OS side: one real notification over D-Bus under `dbus-run-session`, received by a minimal
org.freedesktop.Notifications server and clicked; and the notifier turning itself off, quickly and
without raising, where there is no session bus or nobody answers on it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.i18n import LOCALES, current_locale, set_locale, t
from app.notify import REASONS, DesktopOsNotifier, NullNotifier, os_notifier
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
SESSION_SCRIPT = Path(__file__).with_name("notify_dbus_session.py")
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="D-Bus notifications are Linux's")


def test_a_notification_goes_over_dbus_with_keels_name_and_icon_and_a_click_opens_its_task(tmp_path: Path) -> None:
    runner = shutil.which("dbus-run-session")
    if runner is None:
        missing("dbus-run-session is not installed (Debian package dbus): the real D-Bus notification is untested")
    icon = tmp_path / "icon.png"
    icon.write_bytes(b"\x89PNG\r\n\x1a\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    done = subprocess.run(
        [runner, "--", sys.executable, "-W", "error", str(SESSION_SCRIPT), str(icon)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["available"] is True and result["shown"] is True
    [got] = result["received"]
    assert got["app_name"] == "Keel"
    assert got["app_icon"] == icon.resolve().as_uri()
    assert (got["summary"], got["body"]) == ("李娜 把任务分配给了你", "APP-1 首页信息流改版")
    assert got["actions"][0] == "default"  # a click on the body is an action the server reports back
    assert result["clicked"] == "task-1"


# --- no notification service: off for the run, with a reason, never raising or hanging -------------


@pytest.fixture
def no_session_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)


async def test_web_and_mobile_get_the_null_notifier() -> None:
    notifier = await os_notifier(desktop=False)
    assert isinstance(notifier, NullNotifier)
    assert (notifier.available, notifier.reason) == (False, "not_desktop")
    assert await notifier.show("t", "b", task_id=None, on_click=print) is False


def test_every_reason_for_no_os_notifications_has_words_in_both_languages() -> None:
    before = current_locale()
    try:
        for code in LOCALES:
            set_locale(code)
            for reason in REASONS:
                assert t(f"notify.unavailable.{reason}") != f"notify.unavailable.{reason}"
    finally:
        set_locale(before)


@linux_only
async def test_without_a_session_bus_the_notifier_is_off_with_a_logged_reason(
    no_session_bus: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "keel.app.notify")
    notifier = await os_notifier(desktop=True, icon=None)
    assert isinstance(notifier, NullNotifier)
    assert (notifier.available, notifier.reason) == (False, "no_service")
    assert "DBUS_SESSION_BUS_ADDRESS not set" in caplog.text
    assert await notifier.show("t", "b", task_id="x", on_click=print) is False
    await notifier.close()


@pytest.fixture
def silent_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A session bus address whose socket accepts connections and never says a word."""
    path = tmp_path / "bus"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
    yield
    server.close()


@linux_only
async def test_a_bus_that_never_answers_costs_at_most_the_timeout(
    silent_bus: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "keel.app.notify")
    started = time.monotonic()
    notifier = await os_notifier(desktop=True, icon=None, timeout=0.5)
    assert time.monotonic() - started < 3
    assert isinstance(notifier, NullNotifier)
    assert (notifier.available, notifier.reason) == (False, "no_service")
    assert "did not answer within 0.5 s" in caplog.text


@linux_only
def test_the_icon_is_passed_only_when_the_file_exists(tmp_path: Path) -> None:
    absent = DesktopOsNotifier(icon=tmp_path / "icon.png")
    assert absent.icon is None and absent.app_name == "Keel"
    assert absent._notifier.app_icon is None  # not the library's default, which is Python's logo
    (tmp_path / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert DesktopOsNotifier(icon=tmp_path / "icon.png").icon == (tmp_path / "icon.png").resolve()
