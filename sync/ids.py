"""Ids and timestamps made on the device: UUIDv7 (time-ordered, so fresh rows cluster in indexes)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

__all__ = ["format_time", "now_iso", "uuid7"]


def uuid7(unix_ms: int | None = None) -> str:
    """A RFC 9562 version 7 UUID as a lower-case canonical string."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return str(uuid.UUID(int=value))


def format_time(value: datetime | str | None) -> str | None:
    """A time in the server's own spelling (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so cached times compare as text.

    A time without an offset is taken as UTC, as the server does.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    """Now, as `format_time` spells it (`isoformat` of an aware UTC time is half the cost of `strftime`)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
