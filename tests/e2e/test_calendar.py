"""The calendar end to end: a task due on a Tuesday of this month, dragged to the Wednesday, is due
on the Wednesday at the same local time, on the server too."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from tests.e2e.browser import signed_in_stack, visible
from tests.e2e.test_app import api, server_rows, server_task, wait_for

pytestmark = pytest.mark.timeout(600)


stack = signed_in_stack("calendar")


def test_dragging_a_task_to_another_day_moves_its_due_date(stack: dict[str, Any]) -> None:
    page = stack["page"]
    zone = datetime.now().astimezone().tzinfo  # the app runs in this machine's zone
    today = datetime.now(zone).date()
    first = today.replace(day=1)
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7)  # the month's first Tuesday: the 7th at the latest
    due = datetime.combine(tuesday, time(15, 30), tzinfo=zone)
    title = f"日历拖动 {uuid.uuid4().hex[:6]}"
    with api(stack["server"], "wangwei@demo.keel") as http:
        project = next(row for row in server_rows(http, "project") if row["key"] == "APP")
        create = {"id": str(uuid.uuid4()), "project_id": project["id"], "title": title, "due_at": due.isoformat()}
        answer = http.post(
            "/api/v1/sync/push",
            json={
                "client_id": f"e2e-{uuid.uuid4()}",
                "mutations": [{"mutation_id": 1, "name": "task.create", "args": create}],
            },
        ).json()
        assert answer["results"][0]["status"] == "applied", answer

        page.get_by_role("button", name=re.compile("日历 Tab")).first.click()
        chip = visible(page.get_by_text(re.compile(re.escape(title))).first, 30_000)  # synced, on its Tuesday
        monday, tuesday_label = (page.get_by_text(re.compile(f"^{d}$")).first.bounding_box() for d in ("周一", "周二"))
        cell_width = tuesday_label["x"] - monday["x"]
        wanted = datetime.combine(tuesday + timedelta(days=1), time(15, 30), tzinfo=zone).astimezone(UTC)

        def moved() -> bool:
            row = server_task(http, title)
            return bool(row and row["due_at"] and datetime.fromisoformat(row["due_at"]) == wanted)

        for _attempt in range(3):  # synthesised mouse input can be dropped by a busy renderer
            drag_by(page, chip.bounding_box(), cell_width)
            try:
                wait_for(moved, timeout=10)
                break
            except AssertionError:
                continue
        assert moved(), "the dragged task's due date never reached the Wednesday"


def drag_by(page: Any, box: dict[str, float], dx: float) -> None:
    """A mouse drag of the chip in `box` by `dx` pixels to the right, in small steps."""
    x0, y0 = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.wait_for_timeout(150)
    for step in range(1, 31):
        page.mouse.move(x0 + dx * step / 30, y0)
        page.wait_for_timeout(40)
    page.wait_for_timeout(300)
    page.mouse.up()
