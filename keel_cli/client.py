"""The client commands of `keel`: sign-in and sync, plus listings and edits that work offline on the cache.

Edits are store actions: the optimistic change and its outbox row in one transaction, sent by the
next `keel sync`. Listings read the cache; `--json` prints the protocol's rows plus `key` (KEY-12,
None until the server numbers a task, so a task made offline is addressed by its id).
"""

from __future__ import annotations

import argparse
from typing import Any

from keel_cli import _online
from keel_cli._local import EXIT_CODES_HELP, add_data_dir
from keel_cli._prefs import run_mute, run_prefs, run_unmute
from keel_cli._push import add_push_commands
from keel_cli._tasks import (
    run_comment,
    run_notifications,
    run_projects,
    run_status,
    run_tasks_add,
    run_tasks_edit,
    run_tasks_list,
    run_tasks_move,
)
from keel_cli._tickets import add_ticket_commands

__all__ = ["add_client_commands"]

PRIORITIES = ("urgent", "high", "medium", "low", "none")  # sync.protocol.Priority, without importing pydantic


def add_client_commands(commands: Any) -> None:
    """Adds the client commands to `keel`'s subparsers."""
    # The shared options; a command under one that takes them too (`keel notifications prefs`) gets
    # them without defaults, so they may come before its name as well as after it.
    shared: dict[bool, tuple[argparse.ArgumentParser, argparse.ArgumentParser]] = {}
    for nested in (False, True):
        default = argparse.SUPPRESS if nested else None
        common = argparse.ArgumentParser(add_help=False, argument_default=default)
        add_data_dir(common)
        listing = argparse.ArgumentParser(add_help=False, argument_default=default)
        listing.add_argument("--json", action="store_true", help="print JSON (the protocol's field names, plus key)")
        shared[nested] = (common, listing)

    def command(
        parent: Any, name: str, help: str, run: Any, *, json: bool = False, nested: bool = False, **kw: Any
    ) -> Any:
        common, listing = shared[nested]
        parents = [common, listing] if json else [common]
        parser = parent.add_parser(name, help=help, description=help, parents=parents, epilog=EXIT_CODES_HELP, **kw)
        parser.set_defaults(run=run)
        return parser

    login = command(commands, "login", "sign in to a Keel server (the token goes to the keyring)", _online.run_login)
    login.add_argument("--server", required=True, help="the server's address, e.g. https://keel.example.com")
    login.add_argument("--email", required=True)
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.add_argument(
        "--discard-unsynced",
        action="store_true",
        help="sign in as someone else even though the previous person's changes are not synced (drops them)",
    )

    command(commands, "logout", "sign out and forget the token (the cache and queued changes stay)", _online.run_logout)

    sync = command(
        commands, "sync", "send queued changes and fetch the server's, with a progress bar", _online.run_sync
    )
    sync.add_argument("--watch", action="store_true", help="stay connected and sync on every change until Ctrl-C")
    sync.add_argument("--quiet", "-q", action="store_true", help="no progress output")

    status = command(
        commands, "status", "server, account, cursor, queued and refused changes, last error", run_status, json=True
    )
    status.add_argument("--dismiss", action="store_true", help="dismiss the refused changes after listing them")

    command(commands, "projects", "the projects in the cache", run_projects, json=True)

    tasks = commands.add_parser("tasks", help="list, add, move and edit tasks", description="Tasks in the cache.")
    task_commands = tasks.add_subparsers(dest="tasks_command", title="commands", required=True)

    listed = command(
        task_commands, "list", "a project's tasks, column by column in board order", run_tasks_list, json=True
    )
    listed.add_argument("--project", required=True, metavar="KEY")
    listed.add_argument("--status", metavar="NAME")
    listed.add_argument("--assignee", metavar="EMAIL", help="an e-mail, or `me`")
    listed.add_argument("--priority", choices=PRIORITIES)
    listed.add_argument("--label")
    listed.add_argument("--limit", type=int, default=1000)

    added = command(task_commands, "add", "add a task (queued until the next sync)", run_tasks_add, json=True)
    added.add_argument("--project", required=True, metavar="KEY")
    added.add_argument("title", metavar="TITLE")
    _task_fields(added)

    moved = command(task_commands, "move", "move a task to another status", run_tasks_move, json=True)
    moved.add_argument("task", metavar="KEY-12", help="the task's key, or its id while it has no number")
    moved.add_argument("--status", required=True, metavar="NAME")

    edited = command(task_commands, "edit", "change a task's fields", run_tasks_edit, json=True)
    edited.add_argument("task", metavar="KEY-12", help="the task's key, or its id while it has no number")
    edited.add_argument("--title")
    _task_fields(edited, clearable=True)
    edited.add_argument("--remove-label", action="append", default=[], metavar="LABEL")

    comment = command(commands, "comment", "comment on a task", run_comment, json=True)
    comment.add_argument("task", metavar="KEY-12", help="the task's key, or its id while it has no number")
    comment.add_argument("text", metavar="TEXT")

    notes = command(
        commands,
        "notifications",
        "your notifications, newest first (or, with a command, your notification preferences)",
        run_notifications,
        json=True,
    )
    notes.add_argument("--unread", action="store_true", help="only the unread ones")
    notes.add_argument("--limit", type=int, default=100)
    prefs = notes.add_subparsers(dest="notifications_command", title="preferences", required=False)
    command(prefs, "prefs", "the notification preferences that apply now", run_prefs, json=True, nested=True)
    for name, run, what in (("mute", run_mute, "no notifications from"), ("unmute", run_unmute, "notify again of")):
        muting = command(
            prefs, name, f"{what} these projects (queued until the next sync)", run, json=True, nested=True
        )
        muting.add_argument("projects", nargs="+", metavar="KEY", help="a project's key")

    add_push_commands(commands, command)
    add_ticket_commands(commands, command)


def _task_fields(parser: argparse.ArgumentParser, *, clearable: bool = False) -> None:
    none = " (`none` clears it)" if clearable else ""
    parser.add_argument("--status", metavar="NAME", help="a status of the task's project, by name")
    parser.add_argument("--assignee", metavar="EMAIL", help=f"an e-mail, or `me`{none}")
    parser.add_argument("--due", metavar="DATE", help=f"YYYY-MM-DD or YYYY-MM-DD HH:MM, local time{none}")
    parser.add_argument("--priority", choices=PRIORITIES)
    parser.add_argument("--description")
    parser.add_argument("--label", action="append", default=[], metavar="LABEL", help="add a label (repeatable)")
