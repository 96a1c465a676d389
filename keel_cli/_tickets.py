"""`keel tickets list|reply`: a service desk's saved queues and replies, on the cache (offline).

The queues and their SLA numbers are the store's (`AppStore.tickets`, the clock of `sync.sla_clock`),
the same as the app's desk screen: `--json` prints each ticket's task row (with `key`), its `ticket`
row and its `sla` (each target's due time, 75% instant, share used, minutes left and state).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from keel_cli._local import CliError, local_time, open_store, require_signed_in, sync_errors
from keel_cli._output import print_json, print_table
from keel_cli._tasks import _emails, _ref, comment_on, find_project, find_task

if TYPE_CHECKING:
    from sync.sla_clock import Clock, Target
    from sync.store import Store
    from sync.store.families.desk import TicketView

__all__ = ["QUEUES", "add_ticket_commands"]

Row = dict[str, Any]
# sync.store.families.desk.QUEUES, without importing the store for `keel --help` (a test keeps them equal).
QUEUES = ("mine", "unassigned", "breaching", "breached", "waiting", "resolved")


def add_ticket_commands(commands: Any, command: Any) -> None:
    """`keel tickets ...`; `command` is the client commands' own parser maker (shared options, exit codes)."""
    tickets = command(commands, "tickets", "a service desk's tickets: its saved queues and replies", None)
    sub = tickets.add_subparsers(dest="tickets_command", title="commands", required=True)
    listed = command(
        sub, "list", "a desk's tickets, most urgent first, with their SLA countdown", run_list, json=True, nested=True
    )
    listed.add_argument("--project", required=True, metavar="KEY")
    listed.add_argument(
        "--queue",
        choices=QUEUES,
        help="a saved queue: mine (我的工单), unassigned (未分配), breaching (即将超时: 75%% of a target used), "
        "breached (已超时), waiting (等待用户回复), resolved (已解决待确认)",
    )
    replied = command(sub, "reply", "reply to a ticket's requester (queued until the next sync)", run_reply, json=True,
                      nested=True)  # fmt: skip
    replied.add_argument("task", metavar="KEY-12", help="the ticket's key, or its id while it has no number")
    replied.add_argument("text", metavar="TEXT")
    replied.add_argument("--internal", action="store_true", help="an internal note the requester never sees")


def _target(target: Target) -> Row:
    return {
        "due_at": target.due_at.isoformat(),
        "warn_at": target.warn_at.isoformat(),
        "fraction": round(target.fraction, 4),
        "remaining_minutes": round(target.remaining.total_seconds() / 60, 1),
        "met_at": target.met_at.isoformat() if target.met_at else None,
        "state": target.state,
    }


def _sla(clock: Clock) -> Row:
    return {"first_response": _target(clock.first_response), "resolution": _target(clock.resolution),
            "paused": clock.paused}  # fmt: skip


def as_json(view: TicketView) -> Row:
    return {**view.task, "ticket": view.ticket, "sla": _sla(view.clock)}


def countdown(view: TicketView) -> str:
    """The queue's SLA cell: the next unmet target's time left (`fr` first response, `res` resolution),
    `!` from 75%, `LATE` once breached, `paused` while the clock stands still, `met` when both are met."""
    upcoming = view.clock.next
    if upcoming is None:
        return "late" if view.clock.breached else "met"
    minutes = int(abs(upcoming.remaining.total_seconds()) // 60)
    span = f"{minutes // 60}h{minutes % 60:02d}m"
    which = "fr" if upcoming.which == "first_response" else "res"
    mark = {"ok": "", "warning": " !", "breached": " LATE", "met": ""}[upcoming.state]
    left = f"-{span}" if upcoming.state == "breached" else span
    return f"{which} {left}{mark}" + (" paused" if view.clock.paused else "")


@sync_errors
def run_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        project = find_project(store, args.project)
        if project["kind"] != "service_desk":
            raise CliError(f"{project['key']} is not a service desk (its kind is {project['kind']}).")
        views = store.tickets(project["id"], args.queue)
        emails = _emails(store, [v.task for v in views])
        names = {s["id"]: s["name"] for s in store.statuses(project["id"])}
    if getattr(args, "json", False):
        print_json([as_json(v) for v in views])
        return 0
    columns = [
        ("KEY", lambda v: _ref(v.task) + (" *" if v.task.get("pending") else "")),
        ("SLA", countdown),
        ("STATUS", lambda v: names.get(v.task["status_id"], "")),
        ("PRIORITY", lambda v: v.task["priority"]),
        ("CATEGORY", lambda v: v.ticket["category"]),
        ("REQUESTER", lambda v: v.ticket["requester_name"]),
        ("ASSIGNEE", lambda v: emails.get(v.task.get("assignee_id") or "", "")),
        ("TITLE", lambda v: v.task["title"]),
    ]
    queue = f" in queue {args.queue}" if args.queue else ""
    print_table(views, columns, empty=f"No tickets in {project['key']}{queue}.")  # type: ignore[arg-type]
    return 0


def _ticket(store: Store, ref: str) -> TicketView:
    task = find_task(store, ref)
    view = store.ticket(task["id"])
    if view is None:
        raise CliError(f"{_ref(task)} is not a ticket of a service desk.")
    return view


@sync_errors
def run_reply(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        view = _ticket(store, args.task)
        comment = comment_on(store, view.task["id"], args.text, visibility="internal" if args.internal else "public")
    if getattr(args, "json", False):
        print_json(comment)
    else:
        what = "Internal note on" if args.internal else "Replied to"
        print(f"{what} {_ref(view.task)} at {local_time(comment['created_at']) if comment else ''}".rstrip())
        print("Queued; run keel sync to send.", file=sys.stderr)
    return 0
