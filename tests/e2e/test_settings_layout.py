"""Settings in the browser at desktop size, zh-CN: text the screenshots showed cut short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing, demo_stack

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = chromium_missing()
    if reason:
        missing(reason)
    with demo_stack(tmp_path_factory.mktemp("settings"), name="settings") as parts:
        page = parts["page"]
        page.get_by_role("button", name=re.compile("一键体验演示")).first.click()
        page.get_by_text(re.compile("你好，王伟")).first.wait_for(timeout=60_000)
        yield page


def test_the_ntfy_server_advice_wraps_instead_of_being_cut(page: Any) -> None:
    page.get_by_role("button", name=re.compile("设置 Tab")).first.click()
    page.get_by_role("button", name=re.compile("^推送到手机")).first.click()
    advice = page.locator("flt-semantics").filter(
        has_text=re.compile("^默认是公共服务器 ntfy.sh；在中国大陆，团队自建的 ntfy 更可靠。$")
    )
    advice.last.wait_for(timeout=20_000)
    box = advice.last.bounding_box()
    assert box is not None
    assert box["height"] > 24, box  # two lines under a 300 px field, not one line ending in "…"
