"""A person's reminder choices (lead times, the digest's time, quiet hours, the zone) and the device's zone.

Times of day are wall-clock times in the zone; leads are real durations. The zone is an IANA name
so that daylight-saving changes are followed; None means the device's own zone, looked up again at
every plan, so a laptop that travels follows its clock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.protocol import MAX_LEAD_MIN, MAX_LEADS

log = logging.getLogger("keel.app.reminders")

DEFAULT_LEADS = (timedelta(hours=24), timedelta(hours=1))
DEFAULT_DIGEST = time(9, 0)
DEFAULT_QUIET = (time(22, 0), time(8, 0))
DEFAULT_MORNING = time(9, 0)  # "snooze until tomorrow" goes off at this time
MAX_LEAD = timedelta(minutes=MAX_LEAD_MIN)


@dataclass(frozen=True)
class ReminderSettings:
    """What one person chose; kept per user in the reminder log (`ReminderLog.save_settings`).

    leads: how long before the due time a "due soon" reminder goes off, longest first.
    digest_at: the local time of the daily overdue digest; None turns the digest off.
    quiet: (start, end) local times; reminders that fall inside are held until `end`. A window whose
        start is after its end crosses midnight (22:00-08:00). None: no quiet hours.
    morning: the local time "tomorrow" means for a snooze.
    zone: an IANA zone name; None follows the device.
    enabled: False silences every local reminder (the fired log still records server reminders).
    due_soon: False turns "due soon" reminders off (the `due_soon` kind of the synced preferences).
    muted: projects whose tasks never remind (muted in the synced preferences).
    """

    leads: tuple[timedelta, ...] = DEFAULT_LEADS
    digest_at: time | None = DEFAULT_DIGEST
    quiet: tuple[time, time] | None = DEFAULT_QUIET
    morning: time = DEFAULT_MORNING
    zone: str | None = None
    enabled: bool = True
    due_soon: bool = True
    muted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        leads = tuple(sorted(set(self.leads), reverse=True))
        if len(leads) > MAX_LEADS or any(lead <= timedelta(0) or lead > MAX_LEAD for lead in leads):
            raise ValueError(f"leads must be at most {MAX_LEADS} durations above 0 and up to {MAX_LEAD.days} days")
        if any(lead % timedelta(minutes=1) for lead in leads):
            raise ValueError("leads are whole minutes")
        object.__setattr__(self, "leads", leads)
        for moment in (self.digest_at, self.morning, *(self.quiet or ())):
            if moment is not None and moment.tzinfo is not None:
                raise ValueError("times of day are wall-clock times in the zone; give them without tzinfo")
        if self.zone is not None:
            zone_named(self.zone)  # raises for an unknown name

    def tz(self) -> tzinfo:
        """The zone to read wall-clock times in: the chosen one, else the device's."""
        return zone_named(self.zone) if self.zone else device_zone()

    def with_changes(self, **changes: Any) -> ReminderSettings:
        return replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(
            {
                "leads_min": [int(lead.total_seconds() // 60) for lead in self.leads],
                "digest_at": self.digest_at.strftime("%H:%M") if self.digest_at else None,
                "quiet": [q.strftime("%H:%M") for q in self.quiet] if self.quiet else None,
                "morning": self.morning.strftime("%H:%M"),
                "zone": self.zone,
                "enabled": self.enabled,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ReminderSettings:
        """Settings saved by `to_json`; a field that cannot be read keeps its default (a bad save must
        never silence reminders altogether)."""
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        readers: dict[str, Callable[[], Any]] = {
            "leads": lambda: tuple(timedelta(minutes=int(n)) for n in data["leads_min"]),
            "digest_at": lambda: None if data["digest_at"] is None else time.fromisoformat(data["digest_at"]),
            "quiet": lambda: None if data["quiet"] is None else _pair(data["quiet"]),
            "morning": lambda: time.fromisoformat(data["morning"]),
            "zone": lambda: data["zone"],
            "enabled": lambda: bool(data["enabled"]),
        }
        return _read_each(cls(), readers, "ignoring an unreadable reminder setting %r")


def settings_from_prefs(prefs: Mapping[str, Any], *, morning: time = DEFAULT_MORNING) -> ReminderSettings:
    """The reminder settings a person's synced notification preferences (the store's
    `notification_prefs()`, docs/protocol.md) stand for; `morning` stays a device choice. A value
    that cannot be used (a zone this device does not know) falls back to the default, never to
    silence."""
    kinds = prefs.get("kinds") or {}
    settings = ReminderSettings(morning=morning, quiet=None)
    readers: dict[str, Callable[[], Any]] = {
        "leads": lambda: tuple(timedelta(minutes=int(n)) for n in prefs["due_soon_leads"]),
        "digest_at": lambda: (
            None
            if not kinds.get("overdue", True) or prefs.get("digest_at") is None
            else time.fromisoformat(prefs["digest_at"])
        ),
        "quiet": lambda: (
            None
            if prefs.get("quiet_start") is None or prefs.get("quiet_end") is None
            else _pair([prefs["quiet_start"], prefs["quiet_end"]])
        ),
        "zone": lambda: prefs.get("time_zone") or None,
        "due_soon": lambda: bool(kinds.get("due_soon", True)),
        "muted": lambda: frozenset(str(p) for p in prefs.get("muted_projects") or ()),
    }
    return _read_each(settings, readers, "ignoring an unusable notification preference %r")


def _read_each(settings: ReminderSettings, readers: Mapping[str, Callable[[], Any]], warning: str) -> ReminderSettings:
    """`settings` with each field `readers` can read; a field that cannot be read (or fails the
    settings' own checks) keeps its value, so a bad value never silences reminders altogether."""
    for name, read in readers.items():
        try:
            settings = replace(settings, **{name: read()})
        except (KeyError, TypeError, ValueError):
            log.warning(warning, name)
    return settings


def prefs_of(settings: ReminderSettings) -> dict[str, Any]:
    """The `set` of a `notification_pref.update` that saves what `settings_from_prefs` reads
    (the other kinds and the muted projects are left as they are)."""
    return {
        "due_soon_leads": [int(lead.total_seconds() // 60) for lead in settings.leads],
        "digest_at": settings.digest_at.strftime("%H:%M") if settings.digest_at else None,
        "quiet_start": settings.quiet[0].strftime("%H:%M") if settings.quiet else None,
        "quiet_end": settings.quiet[1].strftime("%H:%M") if settings.quiet else None,
        "time_zone": settings.zone,
        "kinds": {"due_soon": settings.due_soon},
    }


def _pair(values: list[str]) -> tuple[time, time]:
    start, end = values
    return time.fromisoformat(start), time.fromisoformat(end)


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def device_zone() -> tzinfo:
    """The device's IANA zone: $TZ, else /etc/localtime's target, else /etc/timezone. Where none
    names a zone (Windows, some phones) the current UTC offset is used, which misses a DST change
    until the app restarts; the settings page can name the zone instead."""
    for name in _zone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    offset = datetime.now().astimezone().tzinfo
    assert offset is not None
    return offset


def _zone_names() -> list[str]:
    names = []
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        names.append(tz)
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve()) if localtime.is_symlink() else ""
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        names.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        names.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    return [n for n in names if n]
