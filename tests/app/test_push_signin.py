"""The app's `Core` registers this device's push again at each sign-in (docs/push.md).

A registration is pushed to only while the sign-in that made it stands, so without registering
again after signing out and in, the phone would hear nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from app.core import Core
from server.db import Database, migrate
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from server.security import Passwords
from sync import push
from sync.tokens import MemoryTokenStore
from tests.live_server import live_server
from tests.server.ntfy_receiver import NtfyReceiver

WAIT_S = 10.0


@pytest.fixture
async def make_core(tmp_path: Path) -> AsyncIterator[Callable[[], Core]]:
    cores: list[Core] = []

    def make() -> Core:
        cores.append(Core(tmp_path / "data", tokens=MemoryTokenStore()))
        return cores[-1]

    yield make
    for core in cores:
        await core.close()


async def test_signing_in_again_registers_the_devices_topic_again(
    tmp_path: Path, make_core: Callable[[], Core]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    db = Database(url)
    migrate(db.engine)
    seed_demo(db, passwords=Passwords(1, 1024))
    db.dispose()
    with NtfyReceiver(open_topics=True) as ntfy, live_server(url, push_allow_loopback=True) as server:
        core = make_core()
        await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
        assert core.remote is not None
        record = await push.register_ntfy(core.remote, core.store, server=ntfy.origin, locale="en")
        assert push.saved(core.store) == record

        await core.sign_out()  # ends the sign-in on the server: its registrations fall silent
        await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
        assert core.remote is not None
        await push.send_test(core.remote, record.id)
        # The demo's overdue reminders reach the same topic; the test message must be among them.
        test_message = "Push works: Keel's notifications will show up here"
        ntfy.subscribe(record.topic).wait_for_one(
            lambda d: d.payload is not None and d.payload["message"] == test_message, WAIT_S
        )
        assert [r["id"] for r in await push.registrations(core.remote)] == [record.id]
        # Stop syncing while the server still answers: an event stream cancelled while it reconnects
        # to a server that has gone would leave its half-open socket to the garbage collector.
        await core.close()
