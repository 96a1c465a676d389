"""What the desk dashboard draws, as plain data: the report of the chosen period (`sync.desk_metrics`,
the same code as `keel report desk`), its figures as display text, and the projects a cluster of
frequent problems can become a requirement in."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.i18n import t
from sync.desk_metrics import DeskFigures, DeskReport, Problem, desk_report, desk_zone, frequent, requirement_text
from sync.planning._history import Clock

PERIODS = (7, 30, 90)  # days of the period, ending today
CLUSTER_WINDOWS = (30, 90)  # days of 高频问题
EDITORS = ("member", "admin", "owner")


def report(store: Any, project_id: str, days: int, now: datetime | None = None) -> DeskReport:
    """The figures of the `days` local days ending today, in the desk's zone."""
    today = Clock.of(now, desk_zone(store.conn, project_id)).today
    return desk_report(store.conn, project_id, today - timedelta(days=days - 1), today, now=now)


def rate(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def duration(minutes: float | None) -> str:
    """Minutes as people read them: 45 分钟, 2.5 小时, 3.0 天."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return t("desk_dashboard.minutes", n=round(minutes))
    if minutes < 48 * 60:
        return t("desk_dashboard.hours", n=f"{minutes / 60:.1f}")
    return t("desk_dashboard.days", n=f"{minutes / 1440:.1f}")


@dataclass(frozen=True)
class Tile:
    key: str  # the catalogue key of its label
    value: str
    detail: str  # what it is out of


def tiles(f: DeskFigures) -> list[Tile]:
    return [
        Tile("desk_dashboard.created", str(f.created), t("desk_dashboard.created_detail")),
        Tile("desk_dashboard.resolution", rate(f.resolution_rate), t("desk_dashboard.of", a=f.resolved, b=f.created)),
        Tile(
            "desk_dashboard.first_response",
            duration(f.first_response_p50_minutes),
            t("desk_dashboard.p90", v=duration(f.first_response_p90_minutes)),
        ),
        Tile("desk_dashboard.sla", rate(f.sla_attainment), t("desk_dashboard.of", a=f.sla_met, b=f.sla_due)),
        Tile(
            "desk_dashboard.satisfaction",
            rate(f.satisfaction),
            t("desk_dashboard.response_rate", v=rate(f.response_rate)),
        ),
        Tile("desk_dashboard.reopen", rate(f.reopen_rate), t("desk_dashboard.of", a=f.reopened, b=f.resolved_once)),
    ]


def row_cells(f: DeskFigures) -> list[str]:
    """A category's or agent's line in the tables, in the order of `TABLE_COLUMNS`."""
    return [
        str(f.created),
        rate(f.resolution_rate),
        duration(f.first_response_p50_minutes),
        duration(f.first_response_p90_minutes),
        rate(f.sla_attainment),
        rate(f.satisfaction),
        rate(f.response_rate),
        rate(f.reopen_rate),
    ]


TABLE_COLUMNS = ("created", "resolution", "p50", "p90", "sla", "satisfaction", "response", "reopen")


def agent_name(store: Any, user_id: str | None) -> str:
    if user_id is None:
        return t("filter.unassigned")
    person = store.user(user_id)
    return str(person["display_name"]) if person else user_id[:8]


def product_projects(store: Any) -> list[dict[str, Any]]:
    """Projects a requirement can go to: not desks, not archived, where the person may add tasks."""
    return [
        p
        for p in store.projects(include_archived=False)
        if p.get("kind") != "service_desk" and store.role(p["id"]) in EDITORS
    ]


def create_requirement(store: Any, problem: Problem, desk: dict[str, Any], project_id: str) -> str:
    """ "Create a requirement from this cluster": a `requirement` task in `project_id`, queued like
    every edit (the store's task-creation action)."""
    heading = t("desk_dashboard.requirement_heading", desk=desk["key"], n=problem.size)
    title, description = requirement_text(problem, heading)
    return str(store.create_task(project_id, title, type="requirement", description=description))


def cache_file(store: Any) -> str:
    """The file of the store's cache, for a reader of its own on another thread."""
    return str(store.conn.execute("PRAGMA database_list").fetchone()[2])


def frequent_problems(path: str, project_id: str, days: int, now: datetime | None = None) -> list[Problem]:
    """高频问题 read through a connection of its own: the tokenizer's first load and the clustering take
    seconds on a large desk, so the screen runs this off its event loop (the store's connection stays
    on it)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return frequent(conn, project_id, days=days, now=now)
    finally:
        conn.close()
