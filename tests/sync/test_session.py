"""The sign-in and sign-out policy the app and `keel` share (sync/session.py), against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings
from sync.engine import Remote
from sync.session import OtherAccount, admit, end_session, unsynced
from sync.tokens import MemoryTokenStore
from tests.live_server import live_server
from tests.sync.devices import PASSWORD, register, sign_in


async def test_another_account_is_refused_while_changes_are_unsynced(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        first = await sign_in(url, tmp_path / "a.db", await register(url, "王伟"))
        other = await register(url, "李娜")
        try:
            await first.engine.sync()
            first.store.create_project("离线项目", "OFF", kind="product")
            assert unsynced(first.store) == 1
            tokens = MemoryTokenStore()
            async with Remote(url, tokens) as remote:
                user = await remote.login(other, PASSWORD)
                with pytest.raises(OtherAccount) as refused:
                    await admit(first.store, remote, url, user)
                assert (refused.value.account, refused.value.unsynced) == (first.email, 1)
                assert tokens.load_refresh_token(url, other) is None  # the new session ended at once
            assert first.store.account == first.email and unsynced(first.store) == 1

            async with Remote(url, MemoryTokenStore()) as remote:  # asked to drop them: a fresh store
                user = await remote.login(other, PASSWORD)
                await admit(first.store, remote, url, user, discard=True)
            assert first.store.account == other and unsynced(first.store) == 0 and first.store.cursor == 0
            assert first.store.projects() == []
        finally:
            await first.close()


async def test_the_same_account_at_another_address_fetches_its_cache_again(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        device = await sign_in(url, tmp_path / "a.db", await register(url))
        try:
            device.store.create_project("产品迭代", "APP", kind="product")
            await device.engine.sync()
            assert device.store.cursor > 0
            device.store.create_project("还没同步", "NEW", kind="product")
            elsewhere = url.replace("127.0.0.1", "localhost")
            assert elsewhere != url
            async with Remote(elsewhere, MemoryTokenStore()) as remote:
                user = await remote.login(device.email, PASSWORD)
                await admit(device.store, remote, elsewhere, user)
            assert device.store.server_url == elsewhere and device.store.cursor == 0
            assert unsynced(device.store) == 1  # the same person's queued change stays
            assert [p["key"] for p in device.store.projects()] == ["NEW"]  # the old address's rows are gone
        finally:
            await device.close()


async def test_signing_out_forgets_the_token_and_keeps_or_forgets_the_data(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        email = await register(url)
        for forget_data in (False, True):
            tokens = MemoryTokenStore()
            device = await sign_in(url, tmp_path / f"{forget_data}.db", email, tokens=tokens)
            try:
                device.store.create_project("留着", "KEEP", kind="product")
                assert tokens.load_refresh_token(url, email)
                assert await end_session(device.store, device.remote, forget_data=forget_data) is True
                assert tokens.load_refresh_token(url, email) is None
                assert unsynced(device.store) == (0 if forget_data else 1)
                assert device.store.account == (None if forget_data else email)
            finally:
                await device.close()

        tokens = MemoryTokenStore()  # no engine running: the kept token is forgotten here
        device = await sign_in(url, tmp_path / "offline.db", email, tokens=tokens)
        try:
            assert tokens.load_refresh_token(url, email)
            assert await end_session(device.store, None, tokens, forget_data=True) is False
            assert tokens.load_refresh_token(url, email) is None and device.store.account is None
        finally:
            await device.close()
