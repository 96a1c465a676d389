"""Personal performance's rules: whose evidence a person may see and over which projects, the periods
to choose from, and the figures as a review reads them, each with the tasks behind it. The numbers
come from `sync.planning.performance` (docs/metrics.md); nothing here computes a figure.

A person sees their own evidence over every project; an owner or admin sees a member's over the
projects they own or administer together, and nothing of a project where they are a plain member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from app.i18n import t
from app.state.dashboard import days, percent
from sync.planning import Performance

LEADS = ("owner", "admin")
PERIODS = ("30d", "month", "last_month", "quarter")


def reviewable(me: str, memberships: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, ...] | None]:
    """person id -> the projects their evidence is drawn from for `me` (None: all of them, for `me`
    alone). `memberships` are (project id, user id, role) rows of the projects in the cache."""
    rows = list(memberships)
    led = {project for project, user, role in rows if user == me and role in LEADS}
    out: dict[str, tuple[str, ...] | None] = {me: None}
    shared: dict[str, set[str]] = {}
    for project, user, _ in rows:
        if project in led and user != me:
            shared.setdefault(user, set()).add(project)
    out.update({user: tuple(sorted(projects)) for user, projects in shared.items()})
    return out


def period(choice: str, today: date) -> tuple[date, date]:
    """The local days (inclusive) of a period choice, ending today at the latest."""
    if choice == "month":
        return today.replace(day=1), today
    if choice == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if choice == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return today - timedelta(days=29), today


@dataclass(frozen=True)
class Figure:
    """One piece of evidence: its name, its value as read, a line saying what it rests on, and the
    tasks behind it (what a click opens)."""

    key: str
    value: str
    basis: str
    task_ids: tuple[str, ...]


def figures(found: Performance) -> list[Figure]:
    on_time, late = len(found.on_time_ids), len(found.late_ids)
    held, missed = len(found.estimate_held_ids), len(found.estimate_missed_ids)
    return [
        Figure("done", str(len(found.done_ids)), t("performance.basis.done"), found.done_ids),
        Figure(
            "on_time",
            percent(found.on_time_rate),
            t("performance.basis.on_time", on_time=on_time, due=on_time + late),
            found.on_time_ids + found.late_ids,
        ),
        Figure(
            "estimate",
            percent(found.estimate_accuracy),
            t("performance.basis.estimate", held=held, measured=held + missed),
            found.estimate_held_ids + found.estimate_missed_ids,
        ),
        Figure(
            "cycle",
            days(found.median_cycle_days),
            t("performance.basis.cycle", n=len(found.cycle_ids)),
            found.cycle_ids,
        ),
        Figure("reopened", str(len(found.reopened_ids)), t("performance.basis.reopened"), found.reopened_ids),
    ]
