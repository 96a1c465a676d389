"""What the notification settings offer and the store action each choice makes (the synced
notification preferences, docs/protocol.md). Plain data; app.ui.screens.notify_settings draws it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from app.reminders import device_zone
from sync.protocol import MAX_LEADS, NOTIFICATION_KINDS

LEAD_CHOICES = (15, 60, 180, 1440, 2880)  # minutes: 15 min, 1 h, 3 h, 1 day, 2 days
TIMES_OF_DAY = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30))
DEFAULT_QUIET = ("22:00", "08:00")
KINDS = NOTIFICATION_KINDS


def kind_on(prefs: Mapping[str, Any], kind: str) -> bool:
    return bool((prefs.get("kinds") or {}).get(kind, True))


def toggle_lead(prefs: Mapping[str, Any], minutes: int) -> dict[str, Any] | None:
    """The `set` that adds or removes one lead time; None when that would leave none or too many
    (at least one lead stays: switching "due soon" off is what the kind's switch is for)."""
    leads = set(prefs.get("due_soon_leads") or ())
    leads ^= {minutes}
    if not leads or len(leads) > MAX_LEADS:
        return None
    return {"due_soon_leads": sorted(leads, reverse=True)}


def zone_name() -> str | None:
    """The device's IANA zone name, saved with quiet hours so the server keeps them in the
    person's time (None where the device names no zone: the server's default zone then)."""
    zone = device_zone()
    return zone.key if isinstance(zone, ZoneInfo) else None


def quiet_set(
    prefs: Mapping[str, Any], *, on: bool, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """The `set` for quiet hours switched on or off, or with a new start or end. A window whose
    start equals its end is no window: the other end moves by half an hour."""
    if not on:
        return {"quiet_start": None, "quiet_end": None}
    start = start or prefs.get("quiet_start") or DEFAULT_QUIET[0]
    end = end or prefs.get("quiet_end") or DEFAULT_QUIET[1]
    if start == end:
        end = TIMES_OF_DAY[(TIMES_OF_DAY.index(start) + 1) % len(TIMES_OF_DAY)] if start in TIMES_OF_DAY else "08:00"
    return {"quiet_start": start, "quiet_end": end, "time_zone": zone_name() or prefs.get("time_zone")}


def digest_set(value: str) -> dict[str, Any]:
    """The daily overdue digest at a time of day, or "off"."""
    return {"digest_at": None if value == "off" else value}


def muted(prefs: Mapping[str, Any], project_id: str) -> bool:
    return str(project_id) in {str(p) for p in prefs.get("muted_projects") or ()}
