"""Iterations end to end: create an iteration, start it, plan two tasks into it by dragging them from
the backlog, then another client moves one to done; the burndown's figures (written beside the
chart) follow: 剩余 2, then 剩余 1; closed, the task left open stays as its spillover.
`keel app --web` against `keel server --demo`, in Chromium."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack, type_into
from tests.e2e.test_app import api, button, drag, expect_text, server_rows

pytestmark = pytest.mark.timeout(600)
ROW = re.compile(r"^APP-\d+ ")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("e2e-iterations")) as parts:
        yield parts


def plan(page: Any, heading: str, planned: int) -> str:
    """Drags the backlog's first task onto the iteration's list (titled `heading · planned`); returns
    the task's label. A drag the busy renderer dropped is tried again, at most 3 times."""
    rows = page.get_by_role("button", name=ROW)
    for _attempt in range(3):
        label = rows.first.get_attribute("aria-label") or rows.first.inner_text()
        drag(page, rows.first, page.get_by_text(f"{heading} · {planned}").first)
        try:
            expect_text(page, f"^{re.escape(heading)} · {planned + 1}$", timeout=10_000)
            return label.strip()
        except AssertionError:
            continue
    raise AssertionError("the dragged task never reached the iteration")


def test_plan_two_tasks_and_the_burndown_follows_a_task_done(stack: dict[str, Any]) -> None:
    page, server = stack["page"], stack["server"]
    button(page, "一键体验演示").click()
    expect_text(page, "你好，王伟", timeout=60_000)
    button(page, "迭代 Tab").click()
    button(page, "^新建迭代").click()
    name = f"端到端迭代 {int(time.time()) % 10000}"
    type_into(page, "名称", name)
    button(page, "^创建$").click()
    # The demo's active iteration runs until this week's Sunday: the form's dates start after it, so
    # no day of this one has begun and its figures are its baseline, read now (a weekend start alike).
    button(page, "^开始迭代$").click()
    expect_text(page, f"^{re.escape(name)} · 0$")
    # The backlog is drawn before the iteration's list: its first task is always the first row.
    first = plan(page, name, 0)
    second = plan(page, name, 1)
    assert first != second
    expect_text(page, "^剩余 2 · 范围 2 · 开始后新增 0")

    number = int(re.match(r"^APP-(\d+)", first).group(1))  # type: ignore[union-attr]
    with api(server, "wangwei@demo.keel") as http:
        app = next(p for p in server_rows(http, "project") if p["key"] == "APP")
        task = next(r for r in server_rows(http, "task") if r["project_id"] == app["id"] and r["number"] == number)
        assert task["iteration_id"] is not None
        done = next(
            s["id"]
            for s in server_rows(http, "status")
            if s["project_id"] == task["project_id"] and s["category"] == "done"
        )
        mutation = {
            "mutation_id": 1,
            "name": "task.update",
            "args": {"id": task["id"], "set": {"status_id": done}},
        }
        answer = http.post("/api/v1/sync/push", json={"client_id": f"e2e-{uuid.uuid4()}", "mutations": [mutation]})
        assert answer.json()["results"][0]["status"] == "applied", answer.text
    expect_text(page, "^剩余 1 · 范围 2 · 开始后新增 0", timeout=30_000)

    # Close it, the open task rolling back to the backlog: the burndown keeps it as spillover.
    button(page, "^关闭迭代$").click()
    expect_text(page, "还有 1 个未完成任务")
    button(page, "^确认关闭$").click()
    expect_text(page, "^剩余 1 · 范围 2 · 开始后新增 0 · 关闭时未完成 1", timeout=30_000)
