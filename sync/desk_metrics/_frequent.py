"""高频问题 on the desk dashboard: clusters of similar tickets created in the last `days` (30 or 90),
by `sync.similar.frequent_problems` over the tickets' titles and descriptions read from the cache.

Only the window's tickets are read (the text must reach the tokenizer); merged tickets count, since a
duplicate is one more report of the same problem.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync.ids import format_time
from sync.similar import Tokenizer, frequent_problems, tokenize


@dataclass(frozen=True)
class Example:
    task_id: str
    key: str | None  # FB-12; None until the server numbers it
    title: str


@dataclass(frozen=True)
class Problem:
    size: int
    recent: int  # tickets in the later half of the window
    earlier: int  # in the earlier half
    keywords: tuple[str, ...]
    examples: tuple[Example, ...]  # up to three, nearest the cluster's centre first
    task_ids: tuple[str, ...]  # every ticket of the cluster

    @property
    def trend(self) -> int:
        """Recent minus earlier: above 0 the problem is growing."""
        return self.recent - self.earlier


_WINDOW = """
SELECT t.id, t.title, t.description, t.created_at, CASE WHEN t.number IS NOT NULL THEN p.key || '-' || t.number END
FROM ticket k JOIN task t ON t.id = k.id JOIN project p ON p.id = t.project_id
WHERE k.project_id = ? AND t.created_at >= ? AND t.created_at <= ? ORDER BY t.created_at, t.id
"""


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def frequent(
    conn: sqlite3.Connection,
    project_id: str,
    *,
    days: int = 30,
    now: datetime | None = None,
    limit: int = 10,
    tokenizer: Tokenizer = tokenize,
) -> list[Problem]:
    """The desk's clusters of at least three similar tickets created in the `days` before `now`."""
    now = now or datetime.now(UTC)
    rows = conn.execute(_WINDOW, (project_id, format_time(now - timedelta(days=days)), format_time(now))).fetchall()
    titles = {row[0]: (row[4], row[1]) for row in rows}
    clusters = frequent_problems(
        ((row[0], row[1], row[2] or "", _instant(row[3])) for row in rows),
        now=now,
        days=days,
        limit=limit,
        tokenizer=tokenizer,
    )
    return [
        Problem(
            c.size,
            c.recent,
            c.earlier,
            c.keywords,
            tuple(Example(str(i), *titles[i]) for i in c.examples),
            tuple(str(i) for i in c.ids),
        )
        for c in clusters
    ]


def requirement_text(problem: Problem, heading: str) -> tuple[str, str]:
    """Title and description of the requirement that "create a requirement from this cluster" makes:
    the top three keywords as the title; `heading` (the caller's words: the desk, the size) and the
    example tickets, one a line, as the description."""
    title = " / ".join(problem.keywords[:3])
    lines = [heading, ""] + [f"- {e.key or e.task_id[:8]} {e.title}" for e in problem.examples]
    return title, "\n".join(lines)
