"""What to announce when notification rows arrive, and in which words: pure decisions, no Flet, no D-Bus.

Every announced notification shows as a toast while the app is open; it also raises an
operating-system notification only when the window is not focused and the person has them on.
The `Announcer` remembers what it has seen, so each notification is announced at most once a run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from app.i18n import t
from sync.protocol import NotificationKind

Row = Mapping[str, Any]

KINDS: tuple[str, ...] = get_args(NotificationKind)
REMINDERS = frozenset({"due_soon", "overdue"})  # the server's schedule sends them: no actor

# Three pop-ups within ten seconds, then one summary per arrival: the first sync after a day
# offline brings dozens at once, and a burst of small pulls should not stack a column of toasts.
CAP = 3
WINDOW = timedelta(seconds=10)
# `created_at` is the server's clock and "the app started" is this device's: a device clock up to
# five minutes fast still announces what arrives after the start (and one up to five minutes slow
# announces a few that were made just before it, which is harmless: they are unread).
GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class NotifySettings:
    """The person's choices (kept by the UI's settings page)."""

    os_notifications: bool = True


@dataclass(frozen=True)
class Subject:
    """What a notification row names, as the local cache knows it now (None: not in the cache)."""

    actor: str | None = None  # the actor's display name
    task_key: str | None = None  # APP-12; None until the server has numbered the task
    task_title: str | None = None


Lookup = Callable[[Row], Subject]


@dataclass(frozen=True)
class Announcement:
    """One pop-up: a toast always; an OS notification too when `os` is set.

    `task_id` is what a click opens (None for a summary of several tasks: open the inbox);
    `ids` are the notification rows it stands for.
    """

    title: str
    body: str
    task_id: str | None
    ids: tuple[str, ...]
    os: bool
    summary: bool = False

    @property
    def line(self) -> str:
        """Title and body in one line, for a toast that shows a single line of text."""
        return t("notify.line", title=self.title, body=self.body)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (a time without offset is UTC, as the server says)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fresh(rows: Iterable[Row], *, user_id: str, seen: AbstractSet[str], since: datetime) -> list[Row]:
    """The rows worth announcing, oldest first: the signed-in user's, unread, not seen before, and
    made at or after `since`. A row whose time cannot be read counts as new: losing a real
    notification is worse than one extra toast."""
    out = []
    for row in rows:
        if row.get("user_id") != user_id or row.get("read_at") is not None or row["id"] in seen:
            continue
        created = parse_time(row.get("created_at"))
        if created is not None and created < since:
            continue
        out.append(row)
    return sorted(out, key=lambda r: (str(r.get("created_at") or ""), str(r["id"])))


def raises_os(*, focused: bool, settings: NotifySettings) -> bool:
    """An OS notification only when the window is not focused: a person looking at Keel already
    sees the toast, and a second pop-up from the desktop would only repeat it (and file a copy in
    the OS's notification history that the inbox already keeps)."""
    return settings.os_notifications and not focused


def coalesces(count: int, *, budget: int) -> bool:
    """Whether `count` arrivals become one summary. A single one never does: its own words say more
    than "1 new notification", and at most one pop-up per arrival keeps a burst bounded anyway."""
    return count > max(budget, 1)


def task_label(row: Row, subject: Subject) -> str:
    title = subject.task_title or str(row.get("title") or "")
    return t("notify.task", key=subject.task_key, title=title) if subject.task_key else title


def headline(row: Row, subject: Subject) -> str:
    """The title line of one notification: who did what (reminders have no actor)."""
    kind = str(row.get("kind"))
    key = f"notify.{kind}" if kind in KINDS else "notify.other"
    actor = subject.actor or t("notify.someone")
    return t(key) if kind in REMINDERS else t(key, actor=actor)


def text_of(row: Row, lookup: Lookup) -> tuple[str, str]:
    """(title, body) of one notification: the title says what happened, the body names the task."""
    subject = lookup(row)
    return headline(row, subject), task_label(row, subject)


def summary_of(rows: Sequence[Row], lookup: Lookup) -> tuple[str, str]:
    """(title, body) of a summary: how many, and the newest one in a line."""
    newest = rows[-1]
    title, task = text_of(newest, lookup)
    return t("notify.summary", count=len(rows)), t("notify.summary.latest", latest=title, task=task)


def plan(rows: Sequence[Row], lookup: Lookup, *, budget: int, os: bool) -> list[Announcement]:
    """The announcements for rows that passed `fresh` (oldest first)."""
    if not rows:
        return []
    if not coalesces(len(rows), budget=budget):
        return [
            Announcement(*text_of(row, lookup), task_id=row.get("task_id"), ids=(str(row["id"]),), os=os)
            for row in rows
        ]
    tasks = {row.get("task_id") for row in rows}
    only_task = next(iter(tasks)) if len(tasks) == 1 else None  # all about one task: a click opens it
    ids = tuple(str(row["id"]) for row in rows)
    return [Announcement(*summary_of(rows, lookup), task_id=only_task, ids=ids, os=os, summary=True)]


class Announcer:
    """Remembers, for one app run, which notifications were seen and when pop-ups were shown.

    Feed it the rows that just arrived (`app.notify.arrived` reads them from a store change);
    it answers what to show. Rows that arrive in a bootstrap (the first sync of a sign-in), that
    are read, that belong to someone else, or that were made before the app started (or before
    the newest one announced, or before another account signed in) are never announced.
    """

    def __init__(
        self,
        lookup: Lookup,
        *,
        user_id: str | None,
        started_at: datetime | None = None,
        cap: int = CAP,
        window: timedelta = WINDOW,
        grace: timedelta = GRACE,
    ) -> None:
        self.lookup = lookup
        self.cap = cap
        self.window = window
        self.grace = grace
        self._user_id = user_id
        self._since = started_at or datetime.now(UTC)
        self._newest: datetime | None = None
        self._seen: set[str] = set()
        self._popups: list[datetime] = []

    @property
    def seen(self) -> frozenset[str]:
        """Ids announced, or passed over for good (read, too old, or part of a bootstrap)."""
        return frozenset(self._seen)

    @property
    def since(self) -> datetime:
        """Rows made before this (less the grace for clock skew) are not news."""
        floor = self._since if self._newest is None else max(self._since, self._newest)
        return floor - self.grace

    def take(
        self,
        rows: Iterable[Row],
        *,
        user_id: str | None,
        focused: bool,
        settings: NotifySettings,
        bootstrap: bool = False,
        now: datetime | None = None,
    ) -> list[Announcement]:
        """What to show for `rows`, the notification rows that just arrived for `user_id`."""
        now = now or datetime.now(UTC)
        if user_id is None:
            return []
        if user_id != self._user_id:
            # Another account (or the first sign-in of this run): its history is not news.
            self._user_id, self._since, self._newest = user_id, now, None
        mine = [row for row in rows if row.get("user_id") == user_id]
        if bootstrap:
            self._seen.update(str(row["id"]) for row in mine)
            return []
        new = fresh(mine, user_id=user_id, seen=self._seen, since=self.since)
        self._seen.update(str(row["id"]) for row in mine)
        if not new:
            return []
        self._popups = [moment for moment in self._popups if now - moment < self.window]
        announcements = plan(
            new, self.lookup, budget=self.cap - len(self._popups), os=raises_os(focused=focused, settings=settings)
        )
        self._popups += [now] * len(announcements)
        newest = max((m for m in (parse_time(row.get("created_at")) for row in new) if m is not None), default=None)
        if newest is not None and (self._newest is None or newest > self._newest):
            self._newest = newest
        return announcements
