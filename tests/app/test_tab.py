"""`Tab`: callbacks from outside a window's session run in that session's context, are dropped
while it is disconnected, never raise, and stop when it closes (without a browser: a stand-in
for Flet's page that has only what `Tab` reads)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from types import SimpleNamespace

import pytest

from app.ui.tab import Tab
from sync.store import Store

WHICH = contextvars.ContextVar("which", default="engine")  # stands for Flet's current page


def page(connected: bool = True) -> SimpleNamespace:
    return SimpleNamespace(session=SimpleNamespace(connection=object() if connected else None))


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_callback_runs_in_the_tabs_own_context_and_a_closed_tab_hears_nothing() -> None:
    WHICH.set("tab a")
    tab = Tab(page())
    WHICH.set("engine")
    store = Store.open(":memory:")
    store.set_account("http://127.0.0.1:1", "u1", "wangwei@example.com")
    heard: list[str] = []
    tab.listen(store.subscribe, lambda _changes: heard.append(WHICH.get()))
    store.create_project("产品迭代", "APP", kind="product")
    await settle()
    assert heard == ["tab a"]  # not the engine's context, whichever wrote
    tab.close()
    store.create_project("活动", "DOUBLE", kind="campaign")
    await settle()
    assert heard == ["tab a"] and store._listeners == []  # unsubscribed
    store.close()


async def test_a_disconnected_tab_drops_callbacks_and_a_failing_one_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    gone = page(connected=False)
    tab = Tab(gone)
    heard: list[int] = []
    tab.deliver(heard.append, 1)
    await settle()
    assert heard == []
    gone.session.connection = object()  # reconnected
    tab.deliver(heard.append, 2)

    def broken() -> None:
        raise AttributeError("'NoneType' object has no attribute 'loop'")

    with caplog.at_level(logging.ERROR, logger="keel.app"):
        tab.deliver(broken)
        tab.deliver(heard.append, 3)
        await settle()
    assert heard == [2, 3] and "a callback for a window failed" in caplog.text
