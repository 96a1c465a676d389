"""`keel push ntfy|list|remove|test`: a phone subscribed to the topic the CLI made gets Keel's pushes.

The phone is `NtfyReceiver` in open-topics mode (like ntfy.sh, a topic exists once published to),
subscribed to the topic the CLI printed, as a person scanning its QR code would.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.cli.conftest import person_with_project, serve
from tests.factories import Api
from tests.server.ntfy_receiver import NtfyReceiver

WAIT_S = 10.0


@pytest.fixture
def stack(db_url: str) -> Iterator[tuple[str, Api, NtfyReceiver]]:
    with (
        NtfyReceiver(open_topics=True) as ntfy,
        serve(db_url, push_allow_loopback=True) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield url, Api(http), ntfy


def test_keel_push_ntfy_registers_a_topic_that_gets_the_test_and_mentions(
    stack: tuple[str, Api, NtfyReceiver], client: Any
) -> None:
    url, api, ntfy = stack
    alice, project = person_with_project(api, f"alice.{time.monotonic_ns()}@example.com")
    bob_email = f"wang.wei.{time.monotonic_ns()}@example.com"
    bob = api.person("王伟", email=bob_email)
    alice.share(project, bob)
    task = alice.task(project, "修复登录页")
    keel = client("bob")
    keel.login(url, bob_email)

    made = keel.ok("push", "ntfy", "--server", ntfy.origin)
    link = re.search(r"link:\s+(\S+)", made.out)
    assert link is not None, made.out
    topic = re.fullmatch(rf"ntfy://{re.escape(ntfy.origin.split('//')[1])}/([A-Za-z0-9_-]+)\?secure=false", link[1])
    assert topic is not None and len(topic[1]) >= 20, link[1]
    assert "▀" in made.out or "█" in made.out  # the QR code, drawn in the terminal
    phone = ntfy.subscribe(topic[1])
    [test] = phone.wait_for(1, WAIT_S)
    assert test.payload is not None and test.payload["message"] == "推送已设置好：Keel 的通知会出现在这里"

    alice.comment(task, "@" + bob_email.split("@")[0] + " 请看一下")
    mentioned = phone.wait_for(2, WAIT_S)[-1]
    assert mentioned.payload is not None and mentioned.payload["message"] == "测试用户 在评论中提到了你"

    [listed] = keel.ok("push", "list", "--json").json()
    assert listed["endpoint"].endswith("/" + topic[1]) and listed["kind"] == "ntfy"
    assert topic[1] not in keel.ok("push", "list").out  # the plain list keeps the topic off the screen

    # Signing out silences the device; signing in again registers it again, with no command.
    keel.ok("logout")
    again = keel.login(url, bob_email)
    assert "registered again" in again.err
    alice.comment(task, "@" + bob_email.split("@")[0] + " 还在吗")
    phone.wait_for(3, WAIT_S)
    [relisted] = keel.ok("push", "list", "--json").json()
    assert relisted["id"] == listed["id"]  # the same registration, refreshed

    keel.ok("push", "test")
    phone.wait_for(4, WAIT_S)
    keel.ok("push", "remove", listed["id"])
    assert keel.ok("push", "list", "--json").json() == []
    assert keel.main("push", "test").code == 1  # nothing left to test
