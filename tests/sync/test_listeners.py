"""Listeners cannot stop the sync: a store listener, a status listener or a progress callback that
raises is logged, the other listeners are still told, and the engine goes on (against the real
server on a loopback port)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from server.settings import Settings
from sync.store import Changes, Store
from tests.live_server import live_server
from tests.sync.devices import register, sign_in

WAIT_S = 30.0


def boom(_: object) -> None:
    raise AttributeError("'NoneType' object has no attribute 'loop'")  # a closed tab's page, say


def test_a_failing_listener_is_logged_and_the_others_are_told(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = Store.open(tmp_path / "store.db")
    store.set_account("http://127.0.0.1:1", "u1", "wangwei@example.com")
    told: list[Changes] = []
    store.subscribe(boom)
    store.subscribe(told.append)
    with caplog.at_level(logging.ERROR, logger="keel.store"):
        project_id = store.create_project("产品迭代", "APP", kind="product")  # the action itself succeeds
    assert store.project(project_id) is not None and store.pending_count() >= 1
    assert told and "project" in told[-1].rows
    assert "a change listener failed" in caplog.text and "no attribute 'loop'" in caplog.text
    store.close()


async def test_the_engine_survives_listeners_that_raise_on_every_pull(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        email = await register(url, "王伟")
        writer = await sign_in(url, tmp_path / "writer.db", email)
        reader = await sign_in(url, tmp_path / "reader.db", email)
        await writer.engine.sync()
        project_id = writer.store.create_project("产品迭代", "APP", kind="product")
        await writer.engine.sync()

        reader.store.subscribe(boom)  # before the engine's own listener and after it
        seen: list[str] = []
        arrived = asyncio.Event()

        def good(changes: Changes) -> None:
            seen.extend(changes.rows.get("task", ()))
            if len(seen) >= 2:
                arrived.set()

        reader.store.subscribe(good)
        reader.engine.on_state = boom
        stop = asyncio.Event()
        running = asyncio.create_task(reader.engine.run(stop, on_progress=boom))
        try:
            for title in ("首页信息流改版", "支付页改版"):  # two pokes, two pulls, each through the failing listeners
                writer.store.create_task(project_id, title)
                await writer.engine.sync()
            await asyncio.wait_for(arrived.wait(), WAIT_S)
            assert not running.done()
            titles = {card["title"] for column in reader.store.board(project_id) for card in column.tasks}
            assert titles >= {"首页信息流改版", "支付页改版"}
            reader.store.create_task(project_id, "reader 的任务")  # and it still pushes
            await asyncio.wait_for(_until(lambda: reader.store.pending_count() == 0), WAIT_S)
        finally:
            stop.set()
            await running
            await writer.close()
            await reader.close()


async def _until(predicate: object) -> None:
    assert callable(predicate)
    while not predicate():
        await asyncio.sleep(0.05)
