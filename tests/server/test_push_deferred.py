"""Quiet hours defer a push: it arrives once when they end, only if still unread, across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.app import create_app
from server.feed import utcnow
from server.push import release_deferred
from server.push._deferred import quiet_end_after
from tests.conftest import test_settings
from tests.server.loopback_service import Delivery
from tests.server.ntfy_receiver import NtfyReceiver
from tests.server.test_notification_prefs import PREF
from tests.server.test_notifications import inbox
from tests.server.test_push_gateway import WAIT_S, live_team, mention
from tests.server.test_push_ntfy import register

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("at", "zone", "end", "expected"),
    [
        # 22:00-08:00 in Shanghai: late at night, the end is tomorrow morning; early, it is this morning.
        (
            datetime(2026, 12, 5, 23, 30, tzinfo=SHANGHAI),
            SHANGHAI,
            "08:00",
            datetime(2026, 12, 6, 8, 0, tzinfo=SHANGHAI),
        ),
        (
            datetime(2026, 12, 6, 7, 59, tzinfo=SHANGHAI),
            SHANGHAI,
            "08:00",
            datetime(2026, 12, 6, 8, 0, tzinfo=SHANGHAI),
        ),
        # A night that loses an hour to daylight saving still ends at 08:00 on the wall clock.
        (datetime(2027, 3, 14, 1, 0, tzinfo=NEW_YORK), NEW_YORK, "08:00", datetime(2027, 3, 14, 12, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_end_at_the_next_end_on_the_wall_clock(
    at: datetime, zone: ZoneInfo, end: str, expected: datetime
) -> None:
    assert quiet_end_after(end, zone, at) == expected


def test_a_push_in_quiet_hours_arrives_once_when_they_end_if_still_unread(db_url: str) -> None:
    with NtfyReceiver() as ntfy:
        delivery = _deferred_then_restarted(db_url, ntfy)
    assert delivery.payload is not None and delivery.payload["message"] == "Alice 在评论中提到了你"


def _deferred_then_restarted(db_url: str, ntfy: NtfyReceiver) -> Delivery:
    with live_team(db_url) as (app, alice, bob, _pid, tid):
        topic = ntfy.topic()
        register(bob, topic)
        now = utcnow()
        end = now + timedelta(hours=1)
        window = {"quiet_start": f"{now - timedelta(hours=1):%H:%M}", "quiet_end": f"{end:%H:%M}"}
        bob.ok(PREF, {"set": {**window, "time_zone": "UTC"}})
        alice.comment(tid, f"{mention(bob)} 深夜打扰")
        alice.comment(tid, f"{mention(bob)} 这条他会先读到")
        gateway = app.state.services.push.gateway
        assert gateway.wait_idle(WAIT_S)
        assert topic.requests == []  # in the inbox, not on the phone
        _first, second = inbox(bob)
        bob.ok("notification.read", {"id": second["id"]})  # read in the app before the night ends

        # Still inside the window: nothing is due yet.
        assert release_deferred(app.state.services.db, now, gateway) == 0

    # The server restarts; the deferral was kept in the database.
    after = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    restarted = create_app(test_settings(db_url, push_allow_loopback=True))
    services = restarted.state.services
    try:
        assert release_deferred(services.db, after, services.push.gateway) == 1  # the unread one only
        [delivery] = topic.wait_for(1, WAIT_S)
        assert services.push.gateway.wait_idle(WAIT_S)
        assert release_deferred(services.db, after + timedelta(days=1), services.push.gateway) == 0
        assert services.push.gateway.wait_idle(WAIT_S)
    finally:
        services.push.close()
        services.db.dispose()
    assert len(topic.requests) == 1  # once
    return delivery
