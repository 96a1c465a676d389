"""The `at_risk` scan (PROTOCOL-2.md "Planning"): milestones and active iterations whose forecast
finish, from the project's recent throughput (sync/forecast.py), is after their date.

At most once a day (in the server's zone) per milestone or iteration, to the project's owners and
admins, with their preferences honoured. Run by the reminder loop (server/reminders.py) at most
every `risk_interval_s`; a subject already warned today is not looked at again that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.db import Database
from server.mutations.context import Ctx
from server.mutations.notify import notify
from server.push import PushGateway
from server.scheduled import run_scheduled
from server.tables import iterations, members, projects, risk_alerts, statuses, tasks
from sync.forecast import at_risk, window
from sync.workdays import CALENDARS, Calendar

# Work items (tasks other than milestones, still existing) that entered a `done` status within the
# window: a status event whose new status is in the `done` category and whose old one is not (event
# values are JSON, so an id is quoted). The same count as the dashboard's (sync/planning/forecast.py).
_THROUGHPUT = (
    "SELECT count(DISTINCT e.task_id) FROM task_events e"
    " JOIN tasks t ON t.id = e.task_id AND t.deleted = :f AND t.type != 'milestone'"
    " JOIN statuses s ON s.project_id = e.project_id AND e.new = '\"' || s.id || '\"'"
    " WHERE e.project_id = :p AND e.field = 'status_id' AND e.at >= :since AND s.category = 'done'"
    " AND NOT EXISTS (SELECT 1 FROM statuses o WHERE o.project_id = e.project_id"
    " AND e.old = '\"' || o.id || '\"' AND o.category = 'done')"
)

# Open tasks that reach the milestone through `blocks` links (directly or along a chain).
_UPSTREAM_OPEN = (
    "WITH RECURSIVE up(id) AS ("
    " SELECT from_id FROM task_links WHERE to_id = :m AND kind = 'blocks' AND deleted = :f"
    " UNION"
    " SELECT l.from_id FROM task_links l JOIN up ON l.to_id = up.id WHERE l.kind = 'blocks' AND l.deleted = :f"
    ") SELECT count(*) FROM up JOIN tasks t ON t.id = up.id JOIN statuses s ON s.id = t.status_id"
    " WHERE t.deleted = :f AND t.type != 'milestone' AND s.category != 'done'"
)


@dataclass(frozen=True)
class Subject:
    """A milestone (`task_id` set) or an active iteration, with the date it must be done by."""

    id: str
    project_id: str
    title: str
    target: date
    task_id: str | None


def _not_warned_today(subject_id: sa.ColumnElement[str], today: date) -> sa.ColumnElement[bool]:
    warned = sa.select(risk_alerts.c.subject_id).where(
        risk_alerts.c.subject_id == subject_id, risk_alerts.c.sent_on >= today
    )
    return ~sa.exists(warned)


def _live_project(project_id: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    live = sa.select(projects.c.id).where(
        projects.c.id == project_id, projects.c.deleted.is_(False), projects.c.archived.is_(False)
    )
    return sa.exists(live)


def _subjects(ctx: Ctx, today: date, zone: ZoneInfo) -> Iterator[Subject]:
    active = sa.select(iterations.c.id, iterations.c.project_id, iterations.c.name, iterations.c.end_on).where(
        iterations.c.state == "active",
        iterations.c.deleted.is_(False),
        _live_project(iterations.c.project_id),
        _not_warned_today(iterations.c.id, today),
    )
    for iid, pid, name, end_on in ctx.conn.execute(active.order_by(iterations.c.id)).all():
        yield Subject(iid, pid, name, end_on, None)
    milestones = (
        sa.select(tasks.c.id, tasks.c.project_id, tasks.c.title, tasks.c.due_at)
        .join(statuses, statuses.c.id == tasks.c.status_id)
        .where(
            tasks.c.type == "milestone",
            tasks.c.deleted.is_(False),
            tasks.c.due_at.is_not(None),
            statuses.c.category != "done",
            _live_project(tasks.c.project_id),
            _not_warned_today(tasks.c.id, today),
        )
    )
    for tid, pid, title, due_at in ctx.conn.execute(milestones.order_by(tasks.c.id)).all():
        yield Subject(tid, pid, title, due_at.astimezone(zone).date(), tid)


def _open_tasks(ctx: Ctx, subject: Subject) -> int:
    if subject.task_id is not None:
        return int(ctx.raw.scalar(_UPSTREAM_OPEN, {"m": subject.task_id, "f": False}))
    query = (
        sa.select(sa.func.count())
        .select_from(tasks)
        .join(statuses, statuses.c.id == tasks.c.status_id)
        .where(
            tasks.c.iteration_id == subject.id,
            tasks.c.deleted.is_(False),
            tasks.c.type != "milestone",
            statuses.c.category != "done",
        )
    )
    return int(ctx.conn.execute(query).scalar_one())


def _admins(ctx: Ctx, project_id: str) -> list[str]:
    query = sa.select(members.c.user_id).where(
        members.c.project_id == project_id, members.c.role.in_(("owner", "admin")), members.c.deleted.is_(False)
    )
    return sorted(ctx.conn.execute(query).scalars())


def _mark(ctx: Ctx, subject_id: str, today: date) -> None:
    done = ctx.conn.execute(
        risk_alerts.update().where(risk_alerts.c.subject_id == subject_id).values(sent_on=today)
    ).rowcount
    if not done:
        ctx.conn.execute(risk_alerts.insert().values(subject_id=subject_id, sent_on=today))


def _calendar(ctx: Ctx, project_id: str, known: dict[str, Calendar]) -> Calendar:
    """The project's working-day calendar (docs/calendar.md), read once per scan."""
    if project_id not in known:
        chosen = ctx.conn.execute(sa.select(projects.c.calendar).where(projects.c.id == project_id)).scalar()
        known[project_id] = chosen if chosen in CALENDARS else "cn"
    return known[project_id]


def _scan(ctx: Ctx, zone: ZoneInfo) -> int:
    today = ctx.now.astimezone(zone).date()
    first, _ = window(today)
    since = datetime.combine(first, time(), zone).astimezone(UTC)  # the window's first local midnight
    pace: dict[str, int] = {}
    calendars: dict[str, Calendar] = {}
    created = 0
    for subject in list(_subjects(ctx, today, zone)):
        if subject.project_id not in pace:
            pace[subject.project_id] = int(
                ctx.raw.scalar(_THROUGHPUT, {"p": subject.project_id, "since": since, "f": False})
            )
        calendar = _calendar(ctx, subject.project_id, calendars)
        if not at_risk(today, subject.target, _open_tasks(ctx, subject), pace[subject.project_id], calendar):
            continue
        _mark(ctx, subject.id, today)
        about = {"id": subject.task_id, "project_id": subject.project_id, "title": subject.title}
        created += len(notify(ctx, "at_risk", about, _admins(ctx, subject.project_id)))
    return created


def run_risk_scan(
    db: Database, now: datetime, zone_name: str, gateway: PushGateway | None = None
) -> tuple[int, set[str], int]:
    """Warns the admins of every project with a milestone or active iteration at risk at `now`;
    returns how many notifications, whom to poke and the new cursor."""
    return run_scheduled(db, now, lambda ctx: _scan(ctx, ZoneInfo(zone_name)), gateway)
