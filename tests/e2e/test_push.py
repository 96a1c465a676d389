"""Push to a phone whose app is closed, end to end, started from the app.

王伟 sets up Settings → 通知 → 推送到手机 in the web app (headless Chromium) against a real
`keel server --demo` that may push to loopback; his phone is `NtfyReceiver`, which holds the topic
the app made once anything is published to it (as ntfy.sh does). 李娜 mentions him from the CLI:
the push reaches the phone within 1 s of the server committing the comment. Then his quiet hours
hold the next mention back until they end, when it arrives once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack
from tests.e2e.test_app import api, button, expect_text, server_rows
from tests.server.loopback_service import Delivery
from tests.server.ntfy_receiver import NtfyReceiver, Topic

pytestmark = pytest.mark.timeout(600)

LATENCY_S = 1.0  # the figure: a mention reaches the phone within 1 s on loopback
WAIT_S = 20.0


def keel_cli(tmp: Path) -> Any:
    env = {
        **os.environ,
        "HOME": str(tmp / "cli-home"),
        "XDG_DATA_HOME": str(tmp / "cli-home" / "data"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    }
    data = str(tmp / "cli-data")

    def keel(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "keel_cli", *args, "--data-dir", data],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return keel


def wall(delivery: Delivery) -> datetime:
    """The wall-clock time of an arrival (the receiver stamps them with the monotonic clock)."""
    return datetime.now(UTC) - timedelta(seconds=time.monotonic() - delivery.at)


def newest_mention(http: httpx.Client) -> dict[str, Any]:
    mentions = [n for n in server_rows(http, "notification") if n["kind"] == "mentioned"]
    return max(mentions, key=lambda n: str(n["created_at"]))


def set_quiet_hours(http: httpx.Client, start: str, end: str) -> None:
    args = {"set": {"quiet_start": start, "quiet_end": end, "time_zone": "UTC"}}
    mutation = {"mutation_id": 1, "name": "notification_pref.update", "args": args}
    answer = http.post("/api/v1/sync/push", json={"client_id": str(uuid.uuid4()), "mutations": [mutation]})
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied", answer.text


def the_phone(ntfy: NtfyReceiver) -> Topic:
    """The one topic the app made, once the test notification reached it."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if ntfy.topics:
            [topic] = ntfy.topics.values()
            return topic
        time.sleep(0.1)
    raise AssertionError(f"nothing reached the ntfy server (strays: {ntfy.strays})")


def test_push_set_up_in_the_app_brings_mentions_and_waits_out_quiet_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = chromium_missing()
    if reason:
        missing(reason)
    monkeypatch.setenv("KEEL_PUSH_ALLOW_LOOPBACK", "true")  # the demo server and its children inherit these
    monkeypatch.setenv("KEEL_REMINDER_INTERVAL_S", "1")  # the scheduler tick that releases deferred pushes
    with NtfyReceiver(open_topics=True) as ntfy:
        monkeypatch.setenv("KEEL_PUSH_NTFY_SERVER", ntfy.origin)  # the team's own ntfy, offered to clients
        with demo_stack(tmp_path) as stack:
            run_the_flow(stack, ntfy, tmp_path)


def run_the_flow(stack: dict[str, Any], ntfy: NtfyReceiver, tmp_path: Path) -> None:
    page, server = stack["page"], stack["server"]
    button(page, "一键体验演示").click()
    expect_text(page, "你好，王伟", timeout=60_000)

    # Settings → 通知 → 推送到手机: a topic on the team's ntfy server, its QR code, a test push.
    button(page, "设置 Tab").click()
    button(page, "推送到手机").click()
    button(page, "生成主题并注册").click()
    phone = the_phone(ntfy)
    [test] = phone.wait_for(1, WAIT_S)
    assert test.payload is not None and test.payload["message"] == "推送已设置好：Keel 的通知会出现在这里"
    assert len(phone.name) >= 20
    expect_text(page, re.escape(f"主题：{phone.name}"))
    expect_text(page, re.escape(f"ntfy://{ntfy.origin.split('//')[1]}/{phone.name}?secure=false"))
    qr = page.locator('flt-semantics[aria-label="订阅主题的二维码"]').first
    qr.wait_for(timeout=WAIT_S * 1000)

    keel = keel_cli(tmp_path)
    keel("login", "--server", server, "--email", "lina@demo.keel", "--password-stdin", stdin="keel-demo\n")
    keel("sync", "--quiet")

    # A mention from the CLI reaches the phone within 1 s of the server committing it.
    keel("comment", "APP-1", "@wangwei 推送到手机了吗？")
    started = datetime.now(UTC)
    keel("sync", "--quiet")
    mentioned = phone.wait_for(2, WAIT_S)[-1]
    assert mentioned.payload is not None and mentioned.payload["message"] == "李娜 在评论中提到了你"
    assert mentioned.payload["click"].startswith("keel://task/")
    with api(server, "wangwei@demo.keel") as wang:
        made = datetime.fromisoformat(newest_mention(wang)["created_at"])
        latency = (wall(mentioned) - made).total_seconds()
        since_sync = (wall(mentioned) - started).total_seconds()
        print(f"\nmention → ntfy: {latency * 1000:.0f} ms after commit, {since_sync:.2f} s after `keel sync` began")
        assert latency < LATENCY_S

        # Quiet hours around now, ending at the next minute (at least 20 s away): held, then sent once.
        now = datetime.now(UTC)
        if now.second > 40:
            time.sleep(61 - now.second)
            now = datetime.now(UTC)
        end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        set_quiet_hours(wang, f"{end - timedelta(minutes=2):%H:%M}", f"{end:%H:%M}")
        keel("comment", "APP-1", "@wangwei 深夜打扰，明早再看")
        keel("sync", "--quiet")
        held = newest_mention(wang)
        assert datetime.fromisoformat(held["created_at"]) < end
        time.sleep(2)
        assert len(phone.deliveries) == 2, "a push in quiet hours went out before they ended"
        deferred = phone.wait_for(3, (end - datetime.now(UTC)).total_seconds() + WAIT_S)[-1]
        assert wall(deferred) >= end
        assert deferred.payload is not None and deferred.payload["message"] == "李娜 在评论中提到了你"
        time.sleep(3)  # several scheduler ticks later: still once
        assert len(phone.deliveries) == 3

    # Tapping the push: the web build opens …/#/task/<id>, here while the app is open.
    task_id = str(mentioned.payload["click"]).removeprefix("keel://task/")
    page.goto(page.url.split("#")[0] + f"#/task/{task_id}")
    page.locator('flt-semantics[aria-label="关闭（Esc）"]').first.wait_for(timeout=WAIT_S * 1000)
    expect_text(page, "推送到手机了吗")  # the comment that was pushed, in the task's detail
