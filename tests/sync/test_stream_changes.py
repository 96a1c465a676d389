"""The engine applies the rows a poke carries (docs/protocol.md, Changes on the event stream) when
the poke starts at its cursor, with no pull, and ends with the cache a pull would have given."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from server.settings import Settings
from tests.live_server import live_server
from tests.sync.devices import Device, cache, register, sign_in
from tests.sync.test_engine import owner_with_project, share

WAIT_S = 20.0


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the pulls a device makes (the requests themselves go through untouched)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.pulls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sync/pull"):
            self.pulls += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def arrival(device: Device, task_id: str, title: str) -> None:
    async def poll() -> None:
        while (row := device.store.task(task_id)) is None or row["title"] != title:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), WAIT_S)


async def test_a_poke_with_rows_is_applied_without_a_pull(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        counted = CountingTransport()
        b = await sign_in(url, tmp_path / "b.db", await register(url), transport=counted)
        await share(a, pid, b, "member")
        stop = asyncio.Event()
        runners = [asyncio.create_task(d.engine.run(stop)) for d in (a, b)]
        try:
            # The grant before was a plain poke; the stream reads b's memberships again after it,
            # so the first edits may still be pulled. Then every edit comes on the stream alone.
            tid = a.store.create_task(pid, "实时同步")
            arrived_on_stream = 0
            for n in range(40):
                before = counted.pulls
                a.store.update_task(tid, title=f"改动 {n}")
                await arrival(b, tid, f"改动 {n}")
                arrived_on_stream = arrived_on_stream + 1 if counted.pulls == before else 0
                if arrived_on_stream == 3:
                    break
            assert arrived_on_stream == 3, "edits kept needing a pull"
        finally:
            stop.set()
            await asyncio.gather(*runners)
        # The cache a fresh pull builds is the same.
        c = await sign_in(url, tmp_path / "c.db", b.email)
        await c.engine.sync()
        for entity in ("project", "member", "status", "task", "user"):
            assert cache(b.store, entity) == cache(c.store, entity), entity
        assert b.store.cursor == c.store.cursor
        for device in (a, b, c):
            await device.close()
