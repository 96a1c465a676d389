"""Device-made ids and times."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sync.ids import format_time, uuid7


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7(unix_ms=1_700_000_000_000 + n) for n in range(100)]
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert ids == sorted(ids) and len(set(ids)) == 100 and all(i == i.lower() for i in ids)
    assert parsed[0].int >> 80 == 1_700_000_000_000
    assert uuid7() != uuid7()


def test_times_use_the_servers_spelling() -> None:
    east8 = timezone(timedelta(hours=8))
    assert format_time(datetime(2025, 11, 11, 8, 0, tzinfo=east8)) == "2025-11-11T00:00:00.000000Z"
    assert format_time("2025-11-11T00:00:00Z") == "2025-11-11T00:00:00.000000Z"
    assert format_time("2025-11-11T00:00:00") == "2025-11-11T00:00:00.000000Z"  # no offset: UTC
    assert format_time(None) is None
