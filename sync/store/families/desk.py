"""The service desk (PROTOCOL-2.md, "Service desk"): the optimistic applies of `ticket.*` and
`sla_policy.put`, the desk's queues and a ticket as the app reads them, and the actions that change
them. A ticket is a task of type `ticket` plus a `ticket` row with the same id; its SLA clock is
computed from the cache (`sync.sla_clock`: the desk's policies, the pauses rebuilt from the task's
status history), so countdowns run offline.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from sync import rules, sla, sla_clock, wire
from sync.ids import format_time, now_iso, uuid7
from sync.store._family import Apply, Ctx, Family
from sync.store._rows import Row
from sync.store.families.comments import Comments
from sync.store.families.tasks import Tasks, default_status, read_tasks

DESK = "service_desk"
POLICY_FIELDS = tuple(f.name for f in dataclasses.fields(sla.Policy))
Queue = Literal["mine", "unassigned", "breaching", "breached", "waiting", "resolved"]
# The saved queues, in the app's order: 我的工单, 未分配, 即将超时, 已超时, 等待用户回复, 已解决待确认.
QUEUES: tuple[Queue, ...] = get_args(Queue)
_RANK = {role: n for n, role in enumerate(reversed(get_args(wire.Role)))}  # viewer 0 .. owner 3


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and _RANK[role] >= _RANK[minimum]


def parse_time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def policy_of(row: Row | None, priority: str) -> sla.Policy:
    """A cached `sla_policy` row as a policy; none cached (a desk older than policies) is the default."""
    if row is None:
        return sla.DEFAULT_POLICIES[priority]  # type: ignore[index]
    return sla.Policy(**{field: row[field] for field in POLICY_FIELDS})


def _due_values(c: Ctx, task: Row, ticket: Row) -> Row:
    """The due times the server would write now (no pause yet: a new ticket, or a new priority)."""
    policy = policy_of(c.get("sla_policy", wire.sla_policy_id(task["project_id"], task["priority"])), task["priority"])
    now = parse_time(c.now)
    pauses = pauses_of(c.conn, task, parse_time(task["created_at"]))
    out: Row = {}
    for which in sla_clock.TARGETS:
        due, _warn = sla_clock.due_and_warn(policy, which, parse_time(task["created_at"]), pauses, now)
        out[f"{which}_due_at"] = format_time(due)
    return out


def _set_task(c: Ctx, task_id: str, values: Row) -> None:
    Tasks.APPLY["task.update"](c, {"id": task_id, "set": values})


def _ticket_create(c: Ctx, a: Row) -> None:
    pid, tid = str(a["project_id"]), str(a["id"])
    project = c.get("project", pid)
    if project is None or project["kind"] != DESK or c.get("task", tid) is not None:
        return
    severity, impact = a.get("severity") or 3, a.get("impact") or 3
    priority = a.get("priority") or sla.priority_for(severity, impact)
    fields = {"id": tid, "project_id": pid, "title": a["title"], "description": a.get("description") or ""}
    Tasks.APPLY["task.create"](c, {**fields, "priority": priority, "type": "ticket"})
    task = c.get("task", tid)
    if task is None:
        return  # no status: the server will refuse it
    name = a.get("requester_name")
    if name is None:
        me = c.get("user", c.me)
        name = me["display_name"] if me else ""
    ticket: Row = {
        "id": tid, "seq": None, "project_id": pid, "requester_name": name,
        "requester_contact": a.get("requester_contact") or "", "channel": a.get("channel") or "app",
        "category": a.get("category") or "other", "severity": severity, "impact": impact,
        "first_response_at": None, "resolved_at": None, "closed_at": None, "reopened_count": 0,
        "satisfaction": None, "satisfaction_comment": None, "merged_into_id": None, "escalated_task_id": None,
    }  # fmt: skip
    c.put("ticket", ticket | _due_values(c, task, ticket))


def _ticket_update(c: Ctx, a: Row) -> None:
    ticket, task = c.get("ticket", a["id"]), c.get("task", a["id"])
    if ticket is None or task is None:
        return
    values = dict(a.get("set") or {})
    if any(values.get(f, "") is None for f in rules.UNCLEARABLE_TICKET_FIELDS):
        return  # the server refuses clearing them
    changes, priority = rules.ticket_changes(ticket, values)
    if priority is not None and priority != task["priority"]:
        _set_priority(c, task, {**ticket, **changes}, priority)
    elif changes:
        c.put("ticket", {**ticket, **changes})


def _set_priority(c: Ctx, task: Row, ticket: Row, priority: str) -> None:
    _set_task(c, task["id"], {"priority": priority})
    c.put("ticket", ticket | _due_values(c, {**task, "priority": priority}, ticket))


def _first_done(c: Ctx, project_id: str) -> str | None:
    c.read_range("statuses", project_id)
    row = c.conn.execute(
        "SELECT id FROM status WHERE project_id = ? AND category = 'done' ORDER BY position, id LIMIT 1",
        (project_id,),
    ).fetchone()
    return None if row is None else str(row["id"])


def _ticket_merge(c: Ctx, a: Row) -> None:
    ticket, into, task = c.get("ticket", a["id"]), c.get("ticket", a["into_id"]), c.get("task", a["id"])
    if ticket is None or into is None or task is None or ticket["id"] == into["id"]:
        return
    if ticket["merged_into_id"] or into["merged_into_id"] or ticket["project_id"] != into["project_id"]:
        return
    done = _first_done(c, task["project_id"])
    if done is None:
        return
    if task["status_id"] != done:
        _set_task(c, task["id"], {"status_id": done})
    c.put("ticket", {**ticket, "merged_into_id": into["id"]})


def _ticket_escalate(c: Ctx, a: Row) -> None:
    ticket, task = c.get("ticket", a["id"]), c.get("task", a["id"])
    if ticket is None or task is None or ticket["escalated_task_id"] is not None:
        return
    pid = str(a["project_id"])
    desk = c.get("project", task["project_id"])
    if pid == task["project_id"] or desk is None or c.get("project", pid) is None:
        return
    key = f"{desk['key']}-{task['number']}" if task["number"] else ""  # numbered by the server once synced
    create: Row = {
        "id": str(a["task_id"]), "project_id": pid, "title": a.get("title") or task["title"],
        "description": rules.escalated_description(task["description"], key), "type": "requirement",
    }  # fmt: skip
    if a.get("status_id"):
        create["status_id"] = str(a["status_id"])
    Tasks.APPLY["task.create"](c, create)
    c.put("ticket", {**ticket, "escalated_task_id": str(a["task_id"])})


def _sla_policy_put(c: Ctx, a: Row) -> None:
    pid, priority = str(a["project_id"]), a["priority"]
    project = c.get("project", pid)
    if project is None or project["kind"] != DESK:
        return
    row_id = wire.sla_policy_id(pid, priority)
    current = policy_of(c.get("sla_policy", row_id), priority)
    given = {f: a[f] for f in POLICY_FIELDS if a.get(f) is not None}
    try:
        policy = sla.Policy(**({f: getattr(current, f) for f in POLICY_FIELDS} | given))
    except ValueError:
        return  # the server refuses it (validation_error)
    row = {"id": row_id, "seq": None, "project_id": pid, "priority": priority}
    c.put("sla_policy", row | {f: getattr(policy, f) for f in POLICY_FIELDS})


def pauses_of(conn: sqlite3.Connection, task: Row, created_at: datetime) -> list[sla.Pause]:
    """A ticket's pauses, from its status history (`task_event`) and its status in the view: a move not
    synced yet has no event, and counts from the task's `updated_at`."""
    pausing = _pausing(conn, task["project_id"])
    events = conn.execute(
        "SELECT at, old, new FROM task_event WHERE task_id = ? AND field = 'status_id' ORDER BY at, id", (task["id"],)
    ).fetchall()
    return _pauses(task, created_at, [(e["at"], e["old"], e["new"]) for e in events], pausing, conn)


def _pausing(conn: sqlite3.Connection, project_id: str) -> dict[str, bool]:
    rows = conn.execute("SELECT id, category, pauses_sla FROM status WHERE project_id = ?", (project_id,))
    return {r["id"]: bool(r["pauses_sla"]) or r["category"] == "done" for r in rows}


def _pauses(
    task: Row, created_at: datetime, events: list[tuple[str, Any, Any]], pausing: Mapping[str, bool], conn: Any
) -> list[sla.Pause]:
    moves = [(parse_time(at), str(new)) for at, _old, new in events]
    first = str(events[0][1]) if events else default_status(conn, task["project_id"]) or task["status_id"]
    last = moves[-1][1] if moves else first
    if task["status_id"] != last:
        moves.append((max(parse_time(task["updated_at"]), moves[-1][0] if moves else created_at), task["status_id"]))
    return sla_clock.pauses_from_moves(created_at, first, moves, lambda s: pausing.get(s, False))


@dataclass(frozen=True)
class TicketView:
    """A ticket as the app shows it: its task (with `key`), its ticket row, its status, its policy and clock."""

    task: Row
    ticket: Row
    status: Row | None
    policy: sla.Policy
    clock: sla_clock.Clock

    @property
    def done(self) -> bool:
        return self.status is not None and self.status["category"] == "done"

    @property
    def waiting(self) -> bool:
        return self.status is not None and bool(self.status["pauses_sla"])


def _in_queue(view: TicketView, queue: Queue | None, me: str | None) -> bool:
    if queue is None:
        return True
    if queue == "resolved":
        return view.done and view.ticket["closed_at"] is None and view.ticket["merged_into_id"] is None
    if view.done:
        return False
    return {
        "mine": view.task["assignee_id"] == me and me is not None,
        "unassigned": view.task["assignee_id"] is None,
        "breaching": view.clock.warning,
        "breached": view.clock.breached,
        "waiting": view.waiting,
    }[queue]


def _urgency(view: TicketView) -> tuple[int, str, str, str]:
    """Open tickets whose clock runs first, by the unmet target due first; then the paused ones (waiting
    for the requester) alike; then the rest, newest first."""
    upcoming = view.clock.next
    if upcoming is not None and not view.done:
        due = upcoming.due_at.isoformat()
        return (1 if view.clock.paused else 0, due, str(view.task["created_at"]), view.task["id"])
    return (2, "", "~" + str(view.task["created_at"]), view.task["id"])


class Desk(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "ticket.create": _ticket_create,
        "ticket.update": _ticket_update,
        "ticket.merge": _ticket_merge,
        "ticket.escalate": _ticket_escalate,
        "sla_policy.put": _sla_policy_put,
    }

    # --- queries ----------------------------------------------------------------------------

    def desks(self) -> list[Row]:
        """The service desks this account belongs to and that are not archived, by key: where in-app
        feedback ("提交反馈") may go (`ticket.create` takes a viewer and above)."""
        return self._rows(
            "project",
            "SELECT * FROM project WHERE kind = ? AND archived = 0 AND EXISTS (SELECT 1 FROM member WHERE "
            "member.project_id = project.id AND member.user_id = (SELECT value FROM meta WHERE key = 'user_id')) "
            "ORDER BY key, id",
            (DESK,),
        )

    def sla_policies(self, project_id: str) -> list[Row]:
        """The desk's policy for each priority, in the protocol's order (the defaults where none is cached)."""
        rows = {r["priority"]: r for r in self._of_project("sla_policy", project_id)}
        out = []
        for priority in get_args(wire.Priority):
            policy = policy_of(rows.get(priority), priority)
            row = {"id": wire.sla_policy_id(project_id, priority), "project_id": project_id, "priority": priority}
            row |= {f: getattr(policy, f) for f in POLICY_FIELDS}
            out.append(row | {"pending": bool(rows[priority]["pending"]) if priority in rows else False})
        return out

    def _of_project(self, entity: str, project_id: str) -> list[Row]:
        return self._rows(entity, f"SELECT * FROM {entity} WHERE project_id = ?", (project_id,))

    def tickets(self, project_id: str, queue: Queue | None = None, *, now: datetime | None = None) -> list[TicketView]:
        """The desk's tickets in a saved queue (all of them when None), most urgent first: open tickets by
        their unmet target due first, then the others, newest first. `mine` and `unassigned` (like
        `breaching`, `breached` and `waiting`) hold open tickets only; `resolved` the done ones not closed."""
        if queue is not None and queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}: one of {', '.join(QUEUES)}")
        views = self._views(project_id, now)
        me = self._me()
        return sorted((v for v in views if _in_queue(v, queue, me)), key=_urgency)

    def ticket(self, task_id: str, *, now: datetime | None = None) -> TicketView | None:
        """One ticket (with its requester, SLA targets, reopen count and rating on its row), or None."""
        task = self.conn.execute("SELECT project_id FROM task WHERE id = ?", (task_id,)).fetchone()
        if task is None:
            return None
        views = self._views(task["project_id"], now, task_id)
        return views[0] if views else None

    def _me(self) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'user_id'").fetchone()
        return None if row is None else str(row[0])

    def _views(self, project_id: str, now: datetime | None, task_id: str | None = None) -> list[TicketView]:
        """The desk's tickets as views (one of them with `task_id`), their clocks at `now` (default: now)."""
        at = now.astimezone(UTC) if now is not None else parse_time(now_iso())
        # The desk's rows, or one ticket's: `task_id` narrows every query that would read them all.
        only, narrow = ("task_id", [task_id]) if task_id is not None else ("project_id", [project_id])
        where = "task.id = ?" if task_id is not None else "task.project_id = ? AND task.type = 'ticket'"
        tasks = read_tasks(self.conn, where, narrow)
        if not tasks:
            return []
        by = "id" if task_id is not None else "project_id"
        tickets = {r["id"]: r for r in self._rows("ticket", f"SELECT * FROM ticket WHERE {by} = ?", narrow)}
        statuses = {r["id"]: r for r in self._of_project("status", project_id)}
        policies = {r["priority"]: r for r in self._of_project("sla_policy", project_id)}
        pausing = {sid: bool(s["pauses_sla"]) or s["category"] == "done" for sid, s in statuses.items()}
        events: dict[str, list[tuple[str, Any, Any]]] = {}
        for e in self.conn.execute(
            f"SELECT task_id, at, old, new FROM task_event WHERE {only} = ? AND field = 'status_id' ORDER BY at, id",
            narrow,
        ):
            events.setdefault(e["task_id"], []).append((e["at"], e["old"], e["new"]))
        out = []
        for task in tasks:
            ticket = tickets.get(task["id"])
            if ticket is None:
                continue
            out.append(self._view(task, ticket, statuses.get(task["status_id"]), policies, pausing, events, at))
        return out

    def _view(
        self,
        task: Row,
        ticket: Row,
        status: Row | None,
        policies: Mapping[str, Row],
        pausing: Mapping[str, bool],
        events: Mapping[str, list[tuple[str, Any, Any]]],
        now: datetime,
    ) -> TicketView:
        policy = policy_of(policies.get(task["priority"]), task["priority"])
        created = parse_time(task["created_at"])
        pauses = _pauses(task, created, events.get(task["id"], []), pausing, self.conn)
        done = status is not None and status["category"] == "done"
        resolved = (ticket["resolved_at"] or task["updated_at"]) if done else None
        responded = ticket["first_response_at"]
        clock = sla_clock.clock(
            policy, created, pauses, parse_time(responded) if responded else None,
            parse_time(resolved) if resolved else None, now,
        )  # fmt: skip
        return TicketView(task, ticket, status, policy, clock)

    # --- actions ----------------------------------------------------------------------------

    def create_ticket(self, project_id: str, title: str, **fields: Any) -> str:
        """A new ticket (in-app feedback, or one an agent logs): `fields` are `ticket.create`'s optional
        args (description, requester_name, requester_contact, channel, category, severity, impact, priority)."""
        ticket_id = uuid7()
        self.mutate("ticket.create", {"id": ticket_id, "project_id": project_id, "title": title, **fields})
        return ticket_id

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self.mutate("ticket.update", {"id": ticket_id, "set": fields})

    def merge_ticket(self, ticket_id: str, into_id: str) -> None:
        self.mutate("ticket.merge", {"id": ticket_id, "into_id": into_id})

    def escalate_ticket(
        self, ticket_id: str, project_id: str, *, title: str | None = None, status_id: str | None = None
    ) -> str:
        """Makes the ticket a requirement in another project; returns the new task's id."""
        task_id = uuid7()
        args: dict[str, Any] = {"id": ticket_id, "task_id": task_id, "project_id": project_id}
        if title is not None:
            args["title"] = title
        if status_id is not None:
            args["status_id"] = status_id
        self.mutate("ticket.escalate", args)
        return task_id

    def put_sla_policy(self, project_id: str, priority: str, **fields: Any) -> None:
        self.mutate("sla_policy.put", {"project_id": project_id, "priority": priority, **fields})

    def reply(self, task_id: str, body: str, visibility: Literal["public", "internal"] = "public") -> str:
        """A reply to the requester (`public`) or an internal note on a ticket; returns the comment's id."""
        return Comments.create_comment(self, task_id, body, visibility=visibility)  # type: ignore[arg-type]
