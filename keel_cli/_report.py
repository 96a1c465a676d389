"""`keel report desk FB [--from --to] [--json]`: the desk dashboard's figures, read from the cache by the
same code as the app's (`sync.desk_metrics`, docs/metrics.md "Service desk figures")."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from keel_cli._local import CliError, add_data_dir, open_store, sync_errors
from keel_cli._output import print_json, print_table
from keel_cli._tasks import find_project

if TYPE_CHECKING:
    from sync.desk_metrics import DeskFigures, DeskReport
    from sync.store import Store

__all__ = ["add_report_commands"]


def add_report_commands(commands: Any, command: Any) -> Any:
    """Adds `keel report` with `keel report desk` (`command` is client.py's helper that adds the
    shared options); returns its subparsers, where planning adds its reports."""
    report = commands.add_parser(
        "report",
        help="figures computed from this device's cache (planning and the service desk)",
        description="Figures.",
    )
    add_data_dir(report)  # `keel report --data-dir DIR desk FB` too
    reports = report.add_subparsers(dest="report_command", title="reports", required=True)
    desk = command(
        reports,
        "desk",
        "a service desk's figures for a period (the desk dashboard's)",
        run_desk,
        json=True,
        nested=True,
    )
    desk.add_argument("project", metavar="KEY", help="the desk's key, e.g. FB")
    desk.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="first day (default: 29 days ago)")
    desk.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="last day, inclusive (default: today)")
    desk.add_argument("--months", type=int, default=6, help="months of the monthly series (default 6)")
    desk.add_argument("--days", type=int, choices=(30, 90), default=30, help="window of 高频问题 (default 30)")
    return reports


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} min"


def _line(f: DeskFigures) -> dict[str, Any]:
    return {
        "created": f.created,
        "resolution": _percent(f.resolution_rate),
        "response p50": _minutes(f.first_response_p50_minutes),
        "response p90": _minutes(f.first_response_p90_minutes),
        "SLA": _percent(f.sla_attainment),
        "satisfaction": _percent(f.satisfaction),
        "rated": _percent(f.response_rate),
        "reopened": _percent(f.reopen_rate),
    }


_COLUMNS = ["created", "resolution", "response p50", "response p90", "SLA", "satisfaction", "rated", "reopened"]


def _table(first: str, rows: list[tuple[str, DeskFigures]]) -> None:
    lines = [{first: name, **_line(f)} for name, f in rows]
    print_table(lines, [(first, lambda r: r[first]), *((c, lambda r, c=c: r[c]) for c in _COLUMNS)], empty="")


def _name(store: Store, user_id: str | None) -> str:
    if user_id is None:
        return "(unassigned)"
    person = store.user(user_id)
    return str(person["display_name"]) if person else user_id[:8]


@sync_errors
def run_desk(args: argparse.Namespace) -> int:
    from sync.desk_metrics import desk_report, frequent
    from sync.planning import jsonable

    with open_store(args) as store:
        project = find_project(store, args.project)
        if project.get("kind") != "service_desk":
            raise CliError(f"Project {project['key']} is not a service desk.")
        try:
            report = desk_report(store.conn, project["id"], args.start, args.end, months=args.months)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        problems = frequent(store.conn, project["id"], days=args.days)
        if getattr(args, "json", False):  # nested: absent unless given
            print_json({**jsonable(report), "frequent": jsonable(problems), "frequent_days": args.days})
            return 0
        _print(store, report)
        print(f"\n高频问题 (last {args.days} days)")
        for p in problems:
            examples = ", ".join(e.key or e.task_id[:8] for e in p.examples)
            print(f"  {p.size} tickets, trend {p.trend:+d}: {' '.join(p.keywords)} ({examples})")
        if not problems:
            print("  none")
    return 0


def _print(store: Store, report: DeskReport) -> None:
    print(f"{report.start} to {report.end} ({report.zone})")
    _table("", [("all", report.overall)])
    print("\nBy category")
    _table("category", [(g.key or "", g.figures) for g in report.by_category])
    print("\nBy agent")
    _table("agent", [(_name(store, g.key), g.figures) for g in report.by_agent])
    print("\nBy month")
    _table("month", [(m.month.strftime("%Y-%m"), m.figures) for m in report.monthly])
