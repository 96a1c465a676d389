"""The engine's state tells the truth: a server that dies reads offline at once (the event stream
broke; no sync had to fail first), and a server that comes back is synced at once (the stream's
reconnect ends the sync's long backoff), with the edit made while offline pushed.

The server is a real `python -m server.serve` process on a fixed loopback port, killed with
SIGKILL (no goodbye on the stream) and started again on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from keel_cli import free_port
from server.settings import Settings
from sync.engine import Backoff
from tests.live_server import ROOT, _wait_until_running, settings_env
from tests.sync.devices import register, sign_in

WAIT_S = 20.0
SLOW = Backoff(base=120.0, factor=1.0, cap=120.0)  # a sync retry waits a minute or two…
QUICK = Backoff(base=0.1, factor=2.0, cap=0.4)  # …but the event stream reconnects at once


@contextlib.contextmanager
def server_on(settings: Settings, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, **settings_env(settings, port=port), "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server.serve"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        _wait_until_running(proc, log)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def until(predicate: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), WAIT_S)


async def test_a_dead_server_reads_offline_and_a_returning_one_syncs_at_once(
    settings: Settings, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    with server_on(settings, port, log) as first:
        device = await sign_in(url, tmp_path / "device.db", await register(url, "王伟"), backoff=SLOW, reconnect=QUICK)
        states: list[str] = []
        device.engine.on_state = states.append
        stop = asyncio.Event()
        running = asyncio.create_task(device.engine.run(stop))
        try:
            await until(lambda: device.engine.state == "online" and device.engine.connected)
            project_id = device.store.create_project("产品迭代", "APP", kind="product")
            await until(lambda: device.store.pending_count() == 0)
            first.kill()  # SIGKILL: the stream just breaks
            first.wait()
            await until(lambda: device.engine.state == "offline")
            device.store.create_task(project_id, "离线时写的任务")  # a push that fails and waits SLOW
            await until(lambda: "syncing" in states[-3:] and device.engine.state == "offline")
        except BaseException:
            stop.set()
            await running
            raise
    try:
        with server_on(settings, port, log):
            # Only the stream's reconnect can end the two-minute wait of the failed push in time.
            await until(lambda: device.engine.state == "online" and device.store.pending_count() == 0)
            assert [t["title"] for t in device.store.tasks(project_id)] == ["离线时写的任务"]
    finally:
        stop.set()
        await running
        await device.close()
