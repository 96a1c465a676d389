"""Notification preferences as the server honours them: which kinds, which projects, quiet hours, leads.

A user without a row has the defaults. Notifications that a preference turns off are never
created; quiet hours only keep a notification from being pushed (docs/protocol.md, Additions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from server.rawsql import Raw, in_params
from server.tables import notification_prefs as prefs_table
from sync import protocol as p
from sync.rules import known_zone, merged_kinds, merged_muted, sorted_leads

# Where a preference names no zone, and for a setting that names none (KEEL_DEFAULT_TIME_ZONE).
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """The zone `name` names, else `fallback`, else UTC (a zone database may drop a name in an update)."""
    for candidate in (name, fallback):
        if candidate and known_zone(candidate):
            return ZoneInfo(candidate)
    return ZoneInfo("UTC")


def in_quiet_hours(start: str, end: str, zone: ZoneInfo, at: datetime) -> bool:
    """Whether the instant `at` falls in the daily window [start, end) of wall-clock time in `zone`.

    A window whose end is not after its start crosses midnight (22:00-08:00). Wall-clock time is
    what a person reads on their phone, so daylight saving moves the window with the clocks.
    """
    local = at.astimezone(zone).time().replace(second=0, microsecond=0)
    begins, ends = time.fromisoformat(start), time.fromisoformat(end)
    if begins < ends:
        return begins <= local < ends
    return local >= begins or local < ends


@dataclass(frozen=True)
class NotificationPrefs:
    """One user's preferences, normalised: every kind present, muted projects and leads without repeats."""

    user_id: str
    kinds: Mapping[str, bool]  # every kind, in NOTIFICATION_KINDS order
    muted_projects: tuple[str, ...]  # sorted
    quiet_start: str | None = None
    quiet_end: str | None = None
    time_zone: str | None = None
    due_soon_leads: tuple[int, ...] = p.DEFAULT_LEADS_MIN  # minutes, longest first
    digest_at: str | None = p.DEFAULT_DIGEST_AT

    @classmethod
    def defaults(cls, user_id: str) -> NotificationPrefs:
        return cls(user_id, dict.fromkeys(p.NOTIFICATION_KINDS, True), ())

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> NotificationPrefs:
        return cls.defaults(row["user_id"]).changed(
            kinds=orjson.loads(row["kinds"]),
            muted_projects=orjson.loads(row["muted_projects"]),
            quiet_start=row["quiet_start"],
            quiet_end=row["quiet_end"],
            time_zone=row["time_zone"],
            due_soon_leads=orjson.loads(row["due_soon_leads"]),
            digest_at=row["digest_at"],
        )

    def changed(
        self, *, kinds: Mapping[str, bool] | None = None, muted_projects: Iterable[str] | None = None, **fields: Any
    ) -> NotificationPrefs:
        """A copy with `fields` replaced, `kinds` merged per kind, and everything normalised."""
        values: dict[str, Any] = {"kinds": merged_kinds(self.kinds, kinds)}
        if muted_projects is not None:
            values["muted_projects"] = tuple(merged_muted(muted_projects, (), ()))
        if fields.get("due_soon_leads") is not None:
            fields["due_soon_leads"] = tuple(sorted_leads(fields["due_soon_leads"]))
        return replace(self, **values, **fields)

    def allows(self, kind: str, project_id: str | None) -> bool:
        """Whether a notification of `kind` about a task of `project_id` may be created for this user."""
        return self.kinds.get(kind, True) and project_id not in self.muted_projects

    @property
    def due_soon_lead(self) -> timedelta:
        """How long before its due time a task is `due_soon` for this user: the longest lead."""
        return timedelta(minutes=self.due_soon_leads[0])

    def quiet_at(self, at: datetime, default_zone: str) -> bool:
        """Whether `at` is in this user's quiet hours (none set: never)."""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        return in_quiet_hours(self.quiet_start, self.quiet_end, zone_or(self.time_zone, default_zone), at)

    def columns(self) -> dict[str, Any]:
        """The table's columns but `id` and `updated_at`."""
        return {
            "user_id": self.user_id,
            "kinds": orjson.dumps(dict(self.kinds)).decode(),
            "muted_projects": orjson.dumps(list(self.muted_projects)).decode(),
            "quiet_start": self.quiet_start,
            "quiet_end": self.quiet_end,
            "time_zone": self.time_zone,
            "due_soon_leads": orjson.dumps(list(self.due_soon_leads)).decode(),
            "longest_lead_min": self.due_soon_leads[0],
            "digest_at": self.digest_at,
        }


def load_prefs(raw: Raw, user_ids: Iterable[str]) -> dict[str, NotificationPrefs]:
    """The stored preferences of these users, in one query; a user missing from the answer has the defaults."""
    ids = {p.notification_pref_id(user_id) for user_id in user_ids}
    if not ids:
        return {}
    marks, params = in_params("n", sorted(ids))
    found = raw.rows(prefs_table, f"SELECT * FROM notification_prefs WHERE id IN ({marks})", params)
    return {row["user_id"]: NotificationPrefs.from_row(row) for row in found}


def longest_lead(raw: Raw) -> timedelta | None:
    """The longest `due_soon` lead anyone has chosen, or None when no one has preferences."""
    minutes = raw.scalar("SELECT max(longest_lead_min) FROM notification_prefs")
    return None if minutes is None else timedelta(minutes=int(minutes))
