"""Planning on the command line: iterations, task links, and the reports (burndown, a project's
dashboard, a person's evidence for a review).

Edits are store actions queued for the next `keel sync`, like every edit here. The reports'
numbers come from `sync.planning`, the code the app's screens call, on this device's cache;
`--json` prints them through `sync.planning.jsonable`, so a program reads exactly what the app shows.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from keel_cli._local import CliError, open_store, require_signed_in, sync_errors
from keel_cli._output import print_json, print_table
from keel_cli._tasks import find_project, find_task, find_user

if TYPE_CHECKING:
    from sync.store import Store

Row = dict[str, Any]
LINK_KINDS = ("blocks", "relates", "duplicates")  # sync.protocol.LinkKind, without importing pydantic
ZONE = "Asia/Shanghai"  # the planning figures' zone until projects choose one (docs/metrics.md)
PERIOD_DAYS = 30  # `keel report person` without --from: the last 30 days


def add_planning_commands(commands: Any, task_commands: Any, reports: Any, command: Any) -> None:
    """`keel iterations …`, `keel tasks link|unlink` and `keel report burndown|project|person` (in
    `reports`, the subparsers of `keel report`); `command` is the client commands' parser maker
    (shared options, `--json`)."""
    iterations = commands.add_parser(
        "iterations", help="list, create and close iterations", description="A project's iterations (sprints)."
    )
    its = iterations.add_subparsers(dest="iterations_command", title="commands", required=True)
    listed = command(its, "list", "a project's iterations: active, planned, then closed", run_list, json=True)
    listed.add_argument("--project", required=True, metavar="KEY")
    created = command(its, "create", "create an iteration (queued until the next sync)", run_create, json=True)
    created.add_argument("--project", required=True, metavar="KEY")
    created.add_argument("name", metavar="NAME")
    created.add_argument("--start", required=True, metavar="DATE", help="its first day, YYYY-MM-DD")
    created.add_argument("--end", required=True, metavar="DATE", help="its last day, YYYY-MM-DD")
    created.add_argument("--goal", default="")
    created.add_argument("--active", action="store_true", help="make it active at once")
    closed = command(its, "close", "close an iteration; its open tasks roll over", run_close, json=True)
    closed.add_argument("--project", required=True, metavar="KEY")
    closed.add_argument("name", metavar="NAME")
    closed.add_argument("--move-to", metavar="NAME", help="the iteration its open tasks move to (default: none)")

    for name, run, what in (("link", run_link, "link two tasks"), ("unlink", run_unlink, "remove a link")):
        parser = command(task_commands, name, f"{what} (queued until the next sync)", run, json=True)
        parser.add_argument("task", metavar="KEY-3")
        parser.add_argument("kind", choices=LINK_KINDS)
        parser.add_argument("other", metavar="KEY-7")
        if name == "link":
            parser.add_argument("--lag", type=int, metavar="DAYS", help="working days between them (blocks only)")

    burn = command(reports, "burndown", "an iteration's burndown (default: the active one)", run_burndown, json=True)
    burn.add_argument("--project", required=True, metavar="KEY")
    burn.add_argument("--iteration", metavar="NAME")
    project = command(reports, "project", "a project's dashboard and risk flags", run_project, json=True)
    project.add_argument("project", metavar="KEY")
    person = command(reports, "person", "one person's evidence for a review", run_person, json=True)
    person.add_argument("email", metavar="EMAIL", help="an e-mail, or `me`")
    person.add_argument("--from", dest="start", metavar="DATE", help=f"first day (default: {PERIOD_DAYS} days ago)")
    person.add_argument("--to", dest="end", metavar="DATE", help="last day (default: today)")


# --- finding ----------------------------------------------------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"Not a date: {text!r}. Use YYYY-MM-DD.") from None


def find_iteration(store: Store, project: Row, name: str) -> Row:
    found = store.iteration_by_name(project["id"], name.strip()) or store.iteration(name.strip())
    if found is None or found["project_id"] != project["id"]:
        names = ", ".join(repr(i["name"]) for i in store.iterations(project["id"])) or "none"
        raise CliError(f"Project {project['key']} has no iteration {name!r} (its iterations: {names}).")
    return found


def _ref(task: Row) -> str:
    return str(task["key"] or task["id"])


def _keys(store: Store, ids: Any) -> list[str]:
    return [_ref(task) if (task := store.task(i)) else i for i in ids]


# --- keel iterations ----------------------------------------------------------------------------


@sync_errors
def run_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        project = find_project(store, args.project)
        rows = store.iterations(project["id"])
        for row in rows:
            tasks = store.tasks_of_iteration(row["id"])
            row["task_count"] = len(tasks)
    if args.json:
        print_json(rows)
        return 0
    columns = [
        ("NAME", lambda i: i["name"] + (" *" if i["pending"] else "")),
        ("STATE", lambda i: i["state"]),
        ("START", lambda i: i["start_on"]),
        ("END", lambda i: i["end_on"]),
        ("TASKS", lambda i: i["task_count"]),
        ("GOAL", lambda i: i["goal"]),
    ]
    print_table(rows, columns, empty=f"No iterations in {project['key']}.")
    return 0


def _queued(store: Store, value: Any, args: argparse.Namespace, line: str) -> int:
    if args.json:
        print_json(value)
    else:
        print(line)
        print(f"Queued ({store.pending_count()} change(s) waiting); run keel sync to send.", file=sys.stderr)
    return 0


@sync_errors
def run_create(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        project = find_project(store, args.project)
        start, end = _day(args.start), _day(args.end)
        if end < start:
            raise CliError("An iteration cannot end before it starts.")
        iteration_id = store.create_iteration(project["id"], args.name.strip(), start, end, goal=args.goal)
        if args.active:
            store.update_iteration(iteration_id, state="active")
        row = store.iteration(iteration_id)
        return _queued(store, row, args, f"Created iteration {args.name.strip()} ({start} to {end}).")


@sync_errors
def run_close(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        project = find_project(store, args.project)
        found = find_iteration(store, project, args.name)
        if found["state"] == "closed":
            raise CliError(f"Iteration {found['name']!r} is closed already.")
        target = find_iteration(store, project, args.move_to) if args.move_to else None
        if target is not None and (target["id"] == found["id"] or target["state"] == "closed"):
            raise CliError(f"Open tasks cannot move to {target['name']!r}: choose another open iteration.")
        before = {t["id"] for t in store.tasks_of_iteration(found["id"])}
        store.close_iteration(found["id"], target["id"] if target else None)
        moved = sorted(before - {t["id"] for t in store.tasks_of_iteration(found["id"])})
        where = f"to {target['name']}" if target else "to the backlog"
        line = f"Closed iteration {found['name']}; {len(moved)} open task(s) moved {where}."
        return _queued(store, {"iteration": store.iteration(found["id"]), "moved": _keys(store, moved)}, args, line)


# --- keel tasks link / unlink -------------------------------------------------------------------


def _ends(store: Store, args: argparse.Namespace) -> tuple[Row, Row]:
    source, target = find_task(store, args.task), find_task(store, args.other)
    if source["id"] == target["id"]:
        raise CliError("A task cannot be linked to itself.")
    if source["project_id"] != target["project_id"]:
        raise CliError("Both tasks of a link must be in the same project.")
    return source, target


@sync_errors
def run_link(args: argparse.Namespace) -> int:
    from sync.errors import DependencyCycle

    with open_store(args) as store:
        require_signed_in(store)
        source, target = _ends(store, args)
        try:
            link_id = store.put_link(source["id"], target["id"], args.kind, args.lag)
        except DependencyCycle:
            raise CliError(
                f"{_ref(source)} cannot block {_ref(target)}: {_ref(target)} already blocks it, "
                "directly or through other tasks, so the link would close a loop."
            ) from None
        link = next((x for x in store.links_of_project(source["project_id"]) if x["id"] == link_id), None)
        lag = f" (lag {link['lag_days']} day(s))" if link and args.kind == "blocks" and link["lag_days"] else ""
        return _queued(store, link, args, f"Linked: {_ref(source)} {args.kind} {_ref(target)}{lag}.")


@sync_errors
def run_unlink(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        source, target = _ends(store, args)
        store.remove_link(source["id"], target["id"], args.kind)
        gone = {"from_id": source["id"], "to_id": target["id"], "kind": args.kind}
        return _queued(store, gone, args, f"Unlinked: {_ref(source)} {args.kind} {_ref(target)}.")


# --- keel report --------------------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


@sync_errors
def run_burndown(args: argparse.Namespace) -> int:
    from sync.planning import burndown, jsonable

    with open_store(args) as store:
        project = find_project(store, args.project)
        if args.iteration:
            found = find_iteration(store, project, args.iteration)
        else:
            active = [i for i in store.iterations(project["id"]) if i["state"] == "active"]
            if not active:
                raise CliError(f"{project['key']} has no active iteration; name one with --iteration NAME.")
            found = active[0]
        result = burndown(store.conn, found["id"], zone=ZONE)
    if args.json:
        print_json(jsonable(result))
        return 0
    base, last = result.baseline, result.last
    print(f"{found['name']} ({result.start_on} to {result.end_on}, {'closed' if result.closed else found['state']})")
    print(f"committed {base.scope_count} task(s); now {last.remaining_count} of {last.scope_count} open, ", end="")
    print(f"{last.added_count} added after the start")
    rows = [{"day": p.day.isoformat(), "ideal": f"{p.ideal_count:.1f}", **_state(p.state)} for p in result.points]
    print_table(rows, [(name.upper(), itemgetter(name)) for name in rows[0]] if rows else [], empty="")
    return 0


def _state(state: Any) -> Row:
    if state is None:  # a day that has not begun
        return {"remaining": "", "scope": "", "added": ""}
    return {"remaining": state.remaining_count, "scope": state.scope_count, "added": state.added_count}


@sync_errors
def run_project(args: argparse.Namespace) -> int:
    from sync.planning import dashboard, jsonable

    with open_store(args) as store:
        project = find_project(store, args.project)
        result = dashboard(store.conn, project["id"], zone=ZONE)
        people = {p.assignee_id: _person(store, p.assignee_id) for p in result.open_by_person}
        flags = [(f.kind, _keys(store, f.task_ids)) for f in result.flags]
    if args.json:
        print_json(jsonable(result))
        return 0
    print(f"{project['key']} {project['name']}")
    print(f"completion:  {_rate(result.completion_rate)} ({result.done} of {result.total} done)")
    with_due = f"{result.on_time} of {result.completed_with_due} with a due date"
    print(f"on time:     {_rate(result.on_time_rate)} ({with_due})")
    print(f"cycle time:  p50 {_number(result.cycle_p50_days)} d, p85 {_number(result.cycle_p85_days)} d")
    print(f"overdue:     {result.overdue}")
    print("throughput:  " + ", ".join(f"{monday:%m-%d} {n}" for monday, n in result.throughput))
    for load in result.open_by_person:
        print(f"open work:   {people[load.assignee_id]}: {load.open_count} task(s)")
    for kind, keys in flags:
        print(f"risk:        {kind}: {', '.join(keys)}")
    return 0


def _person(store: Store, user_id: str | None) -> str:
    if user_id is None:
        return "(unassigned)"
    user = store.user(user_id)
    return str(user["email"]) if user else user_id


@sync_errors
def run_person(args: argparse.Namespace) -> int:
    from sync.planning import jsonable, performance

    with open_store(args) as store:
        require_signed_in(store)
        user_id = find_user(store, args.email)
        today = datetime.now(ZoneInfo(ZONE)).date()
        end = _day(args.end) if args.end else today
        start = _day(args.start) if args.start else end - timedelta(days=PERIOD_DAYS - 1)
        if end < start:
            raise CliError("--from must not be after --to.")
        projects = store.performance_projects(user_id)
        if not projects:
            raise CliError(
                "You can see someone else's figures only for projects you own or administer together with them."
            )
        result = performance(store.conn, user_id, start, end, project_ids=projects, zone=ZONE)
        evidence = {
            name: _keys(store, getattr(result, f"{name}_ids"))
            for name in ("done", "on_time", "late", "estimate_held", "estimate_missed", "reopened")
        }
    if args.json:
        print_json(jsonable(result))
        return 0
    print(f"{args.email}, {start} to {end} (evidence for a review, not a ranking)")
    print(f"done:              {len(evidence['done'])}  {' '.join(evidence['done'])}")
    print(f"on time:           {_rate(result.on_time_rate)}  late: {' '.join(evidence['late']) or 'none'}")
    missed = " ".join(evidence["estimate_missed"]) or "none"
    print(f"estimate accuracy: {_rate(result.estimate_accuracy)}  missed: {missed}")
    print(f"median cycle time: {_number(result.median_cycle_days)} d")
    print(f"reopened:          {len(evidence['reopened'])}  {' '.join(evidence['reopened'])}")
    return 0
