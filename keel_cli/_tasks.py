"""The commands that read and edit the cache: status, projects, tasks, comments, notifications.

None of them needs the network: edits are queued in the outbox for the next `keel sync`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from keel_cli._local import CliError, data_dir_of, local_time, open_store, parse_when, require_signed_in, sync_errors
from keel_cli._output import print_json, print_table

if TYPE_CHECKING:
    from sync.store import Rejection, Store

Row = dict[str, Any]


# --- finding things by the names people use ---------------------------------------------------


def find_project(store: Store, key: str) -> Row:
    project = store.project_by_key(key)
    if project is None:
        known = ", ".join(p["key"] for p in store.projects()) or "none yet; run keel sync"
        raise CliError(f"No project with key {key!r} on this device (known: {known}).")
    return project


def find_status(store: Store, project: Row, name: str) -> Row:
    statuses = store.statuses(project["id"])
    for status in statuses:
        if status["name"].casefold() == name.strip().casefold():
            return status
    names = ", ".join(repr(s["name"]) for s in statuses) or "none"
    raise CliError(f"Project {project['key']} has no status {name!r} (its statuses: {names}).")


def find_task(store: Store, ref: str) -> Row:
    task = store.task_by_key(ref.strip())
    if task is None:
        raise CliError(f"No task {ref!r} on this device. Use its key (APP-12), or its id while it has no number.")
    return task


def find_user(store: Store, email: str) -> str:
    if email.strip().lower() == "me":
        require_signed_in(store)
        assert store.user_id is not None
        return store.user_id
    user = store.user_by_email(email)
    if user is None:
        raise CliError(f"No one with the e-mail {email!r} shares a project with you (as far as this device knows).")
    return str(user["id"])


def _ref(task: Row) -> str:
    return str(task["key"] or task["id"])


# --- keel status ------------------------------------------------------------------------------


@sync_errors
def run_status(args: argparse.Namespace) -> int:
    folder = data_dir_of(args)
    with open_store(args) as store:
        rejections = store.rejections()
        rejected = [_rejection_row(store, r) for r in rejections]
        state: Row = {
            "data_dir": str(folder),
            "server": store.server_url,
            "account": store.account,
            "user_id": store.user_id,
            "client_id": store.client_id,
            "cursor": store.cursor,
            "outbox": len(store.outbox()),
            "pending": store.pending_count(),
            "last_sync_at": store.last_sync_at,
            "last_error": store.last_error,
            "rejected": rejected,
        }
        if args.dismiss and rejections:
            store.dismiss()
    if args.json:
        print_json(state)
        return 0
    print(f"data dir:   {state['data_dir']}")
    print(f"server:     {state['server'] or '(not signed in)'}")
    print(f"account:    {state['account'] or '(not signed in)'}")
    print(f"cursor:     {state['cursor']}")
    print(f"outbox:     {state['outbox']} change(s), {state['pending']} not yet sent")
    print(f"last sync:  {local_time(state['last_sync_at']) or 'never'}")
    print(f"last error: {state['last_error'] or 'none'}")
    print(f"refused:    {len(rejected)} change(s){' (dismissed now)' if args.dismiss and rejected else ''}")
    for row in rejected:
        print(f"  - {row['what']}\n    why:  {row['message']} ({row['code']})")
        print(f"    when: made {local_time(row['created_at'])}, refused {local_time(row['rejected_at'])}")
    return 0


def _rejection_row(store: Store, rejection: Rejection) -> Row:
    return {
        "id": rejection.id,
        "mutation_id": rejection.mutation_id,
        "name": rejection.name,
        "args": rejection.args,
        "code": rejection.code,
        "message": rejection.message,
        "details": rejection.details,
        "created_at": rejection.created_at,
        "rejected_at": rejection.rejected_at,
        "what": describe(store, rejection.name, rejection.args),
    }


def describe(store: Store, name: str, args: Row) -> str:
    """A mutation in a person's words: `task.update APP-3: priority=high`."""
    target = ""
    task_id = args.get("task_id") if name.startswith("comment.") else args.get("id")
    if name.startswith("task.") or name == "comment.create":
        task = store.task(str(task_id)) if task_id else None
        target = _ref(task) if task else str(args.get("title") or task_id or "")
    fields = dict(args.get("set") or {})
    for key in ("title", "body", "labels_add", "labels_remove", "mute_add", "mute_remove"):
        if key in args and not (name == "task.create" and key == "title"):
            fields[key] = args[key]
    detail = ", ".join(f"{k}={v}" for k, v in fields.items())
    return " ".join(part for part in (name, target) if part) + (f": {detail}" if detail else "")


# --- keel projects ----------------------------------------------------------------------------


@sync_errors
def run_projects(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        projects = store.projects()
        roles = {p["id"]: store.role(p["id"]) for p in projects}
    if args.json:
        print_json(projects)
        return 0
    columns = [
        ("KEY", lambda p: p["key"]),
        ("NAME", lambda p: p["name"]),
        ("KIND", lambda p: p["kind"]),
        ("ROLE", lambda p: roles.get(p["id"])),
        ("", lambda p: "archived" if p["archived"] else ""),
    ]
    print_table(projects, columns, empty="No projects on this device yet (run keel sync).")
    return 0


# --- keel tasks -------------------------------------------------------------------------------


@sync_errors
def run_tasks_list(args: argparse.Namespace) -> int:
    from sync.store import TaskFilter

    with open_store(args) as store:
        project = find_project(store, args.project)
        status_id = find_status(store, project, args.status)["id"] if args.status else None
        assignee_id = find_user(store, args.assignee) if args.assignee else None
        filters = TaskFilter(assignee_id=assignee_id, label=args.label, priority=args.priority, status_id=status_id)
        statuses = store.statuses(project["id"])
        column = {s["id"]: n for n, s in enumerate(statuses)}
        tasks = store.tasks(project["id"], filters, limit=args.limit)
        tasks.sort(key=lambda t: column.get(t["status_id"], len(column)))  # stable: (position, id) within a column
        status_names = {s["id"]: s["name"] for s in statuses}
        emails = _emails(store, tasks)
    if args.json:
        print_json(tasks)
        return 0
    print_tasks(tasks, status_names, emails, empty=f"No tasks in {project['key']}.")
    return 0


def _emails(store: Store, tasks: list[Row]) -> dict[str, str]:
    ids = {t["assignee_id"] for t in tasks if t.get("assignee_id")}
    return {i: user["email"] for i in ids if (user := store.user(i))}


def print_tasks(tasks: list[Row], status_names: dict[str, str], emails: dict[str, str], *, empty: str) -> None:
    columns = [
        ("KEY", lambda t: _ref(t) + (" *" if t.get("pending") else "")),
        ("STATUS", lambda t: status_names.get(t["status_id"], "")),
        ("PRIORITY", lambda t: t["priority"]),
        ("ASSIGNEE", lambda t: emails.get(t.get("assignee_id") or "", "")),
        ("DUE", lambda t: local_time(t.get("due_at"))),
        ("TITLE", lambda t: t["title"]),
    ]
    print_table(tasks, columns, empty=empty)
    if any(t.get("pending") for t in tasks):
        print("* not yet synced", file=sys.stderr)


def _fields(store: Store, project: Row, args: argparse.Namespace, *, clearable: bool) -> Row:
    """The task fields given on the command line, as store action arguments."""
    fields: Row = {}
    if args.status:
        fields["status_id"] = find_status(store, project, args.status)["id"]
    if args.assignee:
        cleared = clearable and args.assignee.strip().lower() == "none"
        fields["assignee_id"] = None if cleared else find_user(store, args.assignee)
    if args.due:
        fields["due_at"] = None if clearable and args.due.strip().lower() == "none" else parse_when(args.due)
    if args.priority:
        fields["priority"] = args.priority
    if args.description is not None:
        fields["description"] = args.description
    return fields


def _title(text: str) -> str:
    title = text.strip()
    if not title:
        raise CliError("A task needs a title.")
    return title


@sync_errors
def run_tasks_add(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        project = find_project(store, args.project)
        fields = _fields(store, project, args, clearable=False)
        if args.label:
            fields["labels"] = args.label
        task_id = store.create_task(project["id"], _title(args.title), **fields)
        return _queued(store, task_id, args, "Added")


@sync_errors
def run_tasks_move(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        task = find_task(store, args.task)
        project = store.project(task["project_id"]) or {"id": task["project_id"], "key": "?"}
        store.move_task(task["id"], find_status(store, project, args.status)["id"])
        return _queued(store, task["id"], args, "Moved")


@sync_errors
def run_tasks_edit(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        task = find_task(store, args.task)
        project = store.project(task["project_id"]) or {"id": task["project_id"], "key": "?"}
        fields = _fields(store, project, args, clearable=True)
        if args.title is not None:
            fields["title"] = _title(args.title)
        if not (fields or args.label or args.remove_label):
            raise CliError("Nothing to change: give --title, --priority, --status, --assignee, --due, --label, ...")
        store.update_task(task["id"], labels_add=args.label or None, labels_remove=args.remove_label or None, **fields)
        return _queued(store, task["id"], args, "Edited")


def _queued(store: Store, task_id: str, args: argparse.Namespace, verb: str) -> int:
    task = store.task(task_id)
    if args.json:
        print_json(task)
    elif task is not None:
        unnumbered = "" if task["key"] else " (its id until the next sync numbers it)"
        print(f"{verb} {_ref(task)}{unnumbered}: {task['title']}")
        print(f"Queued ({store.pending_count()} change(s) waiting); run keel sync to send.", file=sys.stderr)
    return 0


# --- keel comment, keel notifications -----------------------------------------------------------


def comment_on(store: Store, task_id: str, text: str, *, visibility: str | None = None) -> Row | None:
    """Comments on a task (queued); returns the comment's row."""
    body = text.strip()
    if not body:
        raise CliError("A comment needs some text.")
    comment_id = store.create_comment(task_id, body, visibility=visibility)
    detail = store.task_detail(task_id)
    return next((c for c in detail.comments if c["id"] == comment_id), None) if detail else None


@sync_errors
def run_comment(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        require_signed_in(store)
        task = find_task(store, args.task)
        comment = comment_on(store, task["id"], args.text)
    if args.json:
        print_json(comment)
    else:
        print(f"Commented on {_ref(task)}; run keel sync to send.")
    return 0


@sync_errors
def run_notifications(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        notes = store.notifications(unread_only=args.unread, limit=args.limit)
        keys = {n["task_id"]: _ref(t) for n in notes if n.get("task_id") and (t := store.task(n["task_id"]))}
    for note in notes:
        note["task_key"] = keys.get(note.get("task_id") or "")
    if args.json:
        print_json(notes)
        return 0
    columns = [
        ("WHEN", lambda n: local_time(n["created_at"])),
        ("", lambda n: "" if n.get("read_at") else "new"),
        ("KIND", lambda n: n["kind"]),
        ("TASK", lambda n: n["task_key"]),
        ("TITLE", lambda n: n["title"]),
    ]
    print_table(notes, columns, empty="No unread notifications." if args.unread else "No notifications.")
    return 0
