"""`keel tasks export`: the app's default table of a project, to CSV (UTF-8 with a BOM) and XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl

from tests.cli.test_commands import signed_in
from tests.factories import Api


def test_export_writes_the_default_table_as_csv_and_xlsx(
    client: Any, api: Api, server_url: str, tmp_path: Path
) -> None:
    keel, _owner, _project_id = signed_in(client, api, server_url)
    keel.ok("tasks", "add", "--project", "APP", "修复登录页闪退", "--priority", "high", "--assignee", "me")
    keel.ok("tasks", "add", "--project", "APP", "写周报")
    keel.ok("sync")

    out = tmp_path / "app.csv"
    said = keel.ok("tasks", "export", "--project", "app", "--out", str(out), "--json").json()
    assert said == {"path": str(out.resolve()), "format": "csv", "tasks": 2}
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Key", "Title", "Status", "Assignee", "Priority", "Iteration", "Due"]
    assert rows[1][0] == "APP-1" and rows[1][4] == "high" and rows[1][3]  # the assignee's name
    assert [r[1] for r in rows[1:]] == ["修复登录页闪退", "写周报"]

    book = tmp_path / "app.data"
    keel.ok("tasks", "export", "--project", "APP", "--format", "xlsx", "--out", str(book))
    sheet = openpyxl.load_workbook(io.BytesIO(book.read_bytes()))["APP"]  # --format wins over the name
    got = list(sheet.iter_rows(values_only=True))
    assert got[0] == tuple(rows[0]) and [r[1] for r in got[1:]] == ["修复登录页闪退", "写周报"]

    refused = keel.main("tasks", "export", "--project", "APP", "--out", str(tmp_path / "app.pdf"))
    assert refused.code != 0 and "--format" in refused.err
    assert not (tmp_path / "app.pdf").exists()
