"""`keel tasks export`: a project's tasks, as the app's table shows them by default (its columns,
board order, no filter, no grouping), to a CSV or an Excel file (sync/export.py writes both)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keel_cli._local import CliError, open_store
from keel_cli._output import print_json
from keel_cli._tasks import find_project


def run_tasks_export(args: argparse.Namespace) -> int:
    from sync.export import encode, project_sheet

    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in ("csv", "xlsx"):
        raise CliError(f"Cannot tell the format from {str(out)!r}: give --format csv or --format xlsx.")
    with open_store(args) as store:
        project = find_project(store, args.project)
        table = project_sheet(store, project["id"])
    try:
        out.write_bytes(encode(table, fmt, project["key"]))
    except OSError as exc:
        raise CliError(f"Could not write {str(out)!r}: {exc.strerror or exc}.") from None
    if args.json:
        print_json({"path": str(out.resolve()), "format": fmt, "tasks": len(table.rows)})
    else:
        print(f"Exported {len(table.rows)} tasks of {project['key']} to {out}.")
    return 0
