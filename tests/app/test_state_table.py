"""The table's state against a real store: sort, grouping, the board's filters, the column chooser
and its memory per project, the window of lines, and the export of what is shown."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from app.state import view_prefs
from app.state.board import BoardFilters, Window
from app.state.table import LINE_HEIGHT, TableModel, TableView
from sync.export import DEFAULT_COLUMNS, Names, to_csv, to_xlsx
from sync.store import Store
from tests.app.moments import SHANGHAI, tid
from tests.app.test_state_board import NOW, PID, board_rows, open_store
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")
IT_A, IT_B = "0190a000-0000-7000-8000-0000000000e1", "0190a000-0000-7000-8000-0000000000e2"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "s.db")
    s.apply_pull(f.page(*board_rows()))
    yield s
    s.close()


def model(store: Store, view: TableView, filters: BoardFilters | None = None) -> TableModel:
    names = Names.of(store, PID)
    return TableModel(store, PID, filters or BoardFilters(), view, names, "无", now=NOW, zone=SHANGHAI)


def keys(m: TableModel) -> list[str | None]:
    return [line.task["key"] if line.task is not None else f"# {line.group} {line.count}" for line in m.lines()]


def test_board_order_then_sorted_by_a_column_either_way_empty_last(store: Store) -> None:
    assert keys(model(store, TableView())) == [f"APP-{n}" for n in (1, 2, 6, 5, 9, 3, 7, 4, 8)]
    by_due = keys(model(store, TableView(sort="due")))
    assert by_due == ["APP-1", "APP-6", "APP-2", "APP-3", "APP-7", "APP-5", "APP-9", "APP-4", "APP-8"]
    by_due_desc = keys(model(store, TableView(sort="due", descending=True)))
    assert by_due_desc[:5] == ["APP-5", "APP-7", "APP-3", "APP-2", "APP-6"] and set(by_due_desc[-3:]) == {
        "APP-9",
        "APP-4",
        "APP-8",
    }  # no due date: last either way
    by_priority = keys(model(store, TableView(sort="priority")))
    assert by_priority[:3] == ["APP-2", "APP-1", "APP-5"]  # urgent, high, low; then none in board order


def test_grouped_by_assignee_and_by_label_with_the_empty_group_last(store: Store) -> None:
    by_person = keys(model(store, TableView(group="assignee")))
    assert by_person == [
        "# Li Na 3", "APP-2", "APP-6", "APP-9",
        "# 王伟 2", "APP-1", "APP-5",
        "# 无 4", "APP-3", "APP-7", "APP-4", "APP-8",
    ]  # fmt: skip
    by_label = keys(model(store, TableView(group="label")))
    assert by_label[:5] == ["# bug 1", "APP-1", "# ios 1", "APP-1", "# ui 1"]  # APP-1 is in both of its labels
    assert by_label[6] == "# 无 7"


def test_grouped_by_status_follows_the_board_and_the_filters_apply(store: Store) -> None:
    mine = keys(model(store, TableView(group="status", sort="title"), BoardFilters(assignee_id=f.ME)))
    assert mine == ["# 待办 2", "APP-1", "APP-5"]  # 修 (U+4FEE) before 年 (U+5E74): titles sort by code point


def test_the_column_chooser_keeps_the_table_order_and_the_title(tmp_path: Path) -> None:
    view = TableView().showing("estimate", True).showing("key", False)
    assert view.columns == ("title", "status", "assignee", "priority", "iteration", "due", "estimate")
    assert TableView(columns=("title",)).showing("title", False).columns == ("title",)
    assert TableView(sort="due").showing("due", False).sort == "board"  # a hidden column sorts no more
    view_prefs.save(tmp_path, PID, "table", view.sorted_by("due").saved())
    assert TableView.of(view_prefs.load(tmp_path, PID, "table")) == TableView(view.columns, "due", False, "none")
    assert view_prefs.load(tmp_path, "another project", "table") == {}
    (tmp_path / view_prefs.VIEWS_FILE).write_text('{"x": [1', encoding="utf-8")  # a broken file: defaults
    assert TableView.of(view_prefs.load(tmp_path, PID, "table")) == TableView()
    assert TableView.of({"columns": ["nope"], "sort": "drop table", "group": 3}) == TableView()


def test_a_window_of_a_long_table_holds_only_what_shows() -> None:
    window = Window.at(40 * LINE_HEIGHT, 20 * LINE_HEIGHT, 10_000, height=LINE_HEIGHT)
    assert window.end - window.start < 100 and window.top_pad + window.bottom_pad > 9_000 * LINE_HEIGHT


def test_the_export_is_what_is_shown(store: Store) -> None:
    m = model(store, TableView(columns=("key", "title", "due", "estimate"), sort="due", group="assignee"))
    headers = {"group": "分组", "key": "编号", "title": "标题", "due": "截止", "estimate": "估时"}
    sheet = m.sheet(headers)
    assert sheet.headers == ["分组", "编号", "标题", "截止", "估时"]
    assert sheet.rows[0] == ["Li Na", "APP-6", "晨会纪要", datetime(2026, 11, 10, 9, 0), None]
    data = to_csv(sheet)
    assert data.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == sheet.headers and rows[1] == ["Li Na", "APP-6", "晨会纪要", "2026-11-10 09:00", ""]
    assert len(rows) == 1 + 9
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(sheet, "APP")))
    page = book["APP"]
    got = [list(r) for r in page.iter_rows(values_only=True)]
    assert got[0] == sheet.headers and got[1] == ["Li Na", "APP-6", "晨会纪要", datetime(2026, 11, 10, 9, 0), None]
    assert [r[1] for r in got[1:]] == [r[1] for r in sheet.rows]


def test_the_default_columns_are_the_command_lines(store: Store) -> None:
    from sync.export import project_sheet

    sheet = project_sheet(store, PID, zone=SHANGHAI)
    assert sheet.headers == ["Key", "Title", "Status", "Assignee", "Priority", "Iteration", "Due"]
    assert TableView().columns == DEFAULT_COLUMNS
    assert sheet.rows[0] == ["APP-1", "修复登录页闪退", "待办", "王伟", "high", "", datetime(2026, 11, 8, 18, 0)]


def test_grouped_by_iteration_in_the_stores_order_and_exported_by_name(tmp_path: Path) -> None:
    s = open_store(tmp_path / "it.db")
    sprint = {"project_id": PID, "goal": "", "closed_at": None}
    s.apply_pull(
        f.page(
            *board_rows(),
            f.change("iteration", id=IT_B, name="迭代 12", start_on="2026-11-02", end_on="2026-11-13",
                     state="active", **sprint),
            f.change("iteration", id=IT_A, name="迭代 13", start_on="2026-11-16", end_on="2026-11-27",
                     state="planned", **sprint),
        )
    )  # fmt: skip
    s.update_task(tid(3), iteration_id=IT_A)
    s.update_task(tid(2), iteration_id=IT_B)
    m = model(s, TableView(group="iteration"))
    assert keys(m)[:4] == ["# 迭代 12 1", "APP-2", "# 迭代 13 1", "APP-3"] and keys(m)[4] == "# 无 7"
    assert m.sheet().rows[0][:2] == ["迭代 12", "APP-2"] and m.sheet().rows[0][-2] == "迭代 12"
    s.close()
