"""Ids and times the app tests share: task ids by number, wall-clock times in Shanghai (2026), and
the protocol's UTC text for them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tid(n: int) -> str:
    return f"0190a000-0000-7000-8000-00000000c{n:03d}"


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def iso(moment: datetime) -> str:
    """As the protocol writes times: UTC with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
