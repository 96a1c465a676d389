"""The table end to end: the demo project's list, grouped by status, exported to Excel in the
browser (a download), and the file read back with openpyxl."""

from __future__ import annotations

import re
from typing import Any

import openpyxl
import pytest

from tests.e2e.browser import signed_in_stack, visible

pytestmark = pytest.mark.timeout(600)


stack = signed_in_stack("table")


def icon_button(page: Any, label: str) -> Any:
    return page.locator(f'flt-semantics[aria-label="{label}"] [role="button"]').first


def test_the_shown_table_downloads_as_xlsx(stack: dict[str, Any]) -> None:
    page = stack["page"]
    page.get_by_role("button", name=re.compile("表格 Tab")).first.click()
    visible(page.get_by_role("button", name=re.compile(r"^APP-\d+ ")).first)
    # Group by status: the file gets a first column of groups, in the board's order.
    icon_button(page, "分组依据").click()
    page.get_by_role("menuitemcheckbox", name=re.compile("^状态$")).first.click()
    visible(page.get_by_text(re.compile("^需求池")).first)
    icon_button(page, "导出").click()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("menuitem", name=re.compile("Excel")).first.click()
    path = stack["tmp"] / "export.xlsx"
    download.value.save_as(path)
    assert re.fullmatch(r"APP-\d{8}-\d{4}\.xlsx", download.value.suggested_filename)
    rows = list(openpyxl.load_workbook(path)["APP"].iter_rows(values_only=True))
    assert rows[0] == ("分组", "编号", "标题", "状态", "负责人", "优先级", "迭代", "截止")
    assert len(rows) > 20
    assert [r[0] for r in rows[1:]] == [r[3] for r in rows[1:]]  # grouped by status: group = status
    groups = list(dict.fromkeys(r[0] for r in rows[1:]))
    assert groups[:3] == ["需求池", "设计中", "开发中"]
    assert any(r[1] == "APP-1" and r[2] == "首页信息流改版：支持个性化推荐" for r in rows)
