"""Both TokenStores keep to one contract: the keyring (`Credentials`) and Flet's secure storage
(`app.tokens.SecureStorageTokenStore`). The keyring is an in-memory backend; the secure storage, a
build-time extension that cannot run here, is an in-memory fake of flet-secure-storage's async API."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.tokens import (
    KEY_PREFIX,
    SecureStorageError,
    SecureStorageTokenStore,
    choose_token_store,
    open_token_store,
    runtime_platform,
    storage_key,
)
from sync.credentials import Credentials
from sync.tokens import TokenStore
from tests.sync.memory_keyring import MemoryKeyring

SERVER, OTHER_SERVER = "https://keel.example.com", "http://127.0.0.1:8765"
ANN, BO = "ann@example.com", "bo@example.com"


class MemorySecureStorage:
    """flet-secure-storage's `get`/`set`/`remove`/`get_all`, in a dict; every call yields to the loop
    like a platform-channel round trip does, and `fail` makes the next calls raise."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self.entries: dict[str, str] = dict(entries or {})
        self.calls: list[tuple[str, str]] = []
        self.fail: Exception | None = None
        self.delay = 0.0

    async def _round_trip(self, method: str, key: str = "") -> None:
        self.calls.append((method, key))
        await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail

    async def get(self, key: str) -> str | None:
        await self._round_trip("get", key)
        return self.entries.get(key)

    async def set(self, key: str, value: str) -> None:
        if value is None:
            raise ValueError("value can't be None")  # as SecureStorage.set does
        await self._round_trip("set", key)
        self.entries[key] = value

    async def remove(self, key: str) -> None:
        await self._round_trip("remove", key)
        self.entries.pop(key, None)

    async def get_all(self) -> dict[str, str]:
        await self._round_trip("get_all")
        return dict(self.entries)


# One factory per implementation: `open_store()` gives a store over the backing that the test keeps,
# so a second call is "the app started again"; `settle()` waits for writes to reach the backing.
class Backing:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.keyring = MemoryKeyring()
        self.storage = MemorySecureStorage()
        self.opened: list[TokenStore] = []

    async def open_store(self) -> TokenStore:
        store: TokenStore
        if self.kind == "keyring":
            store = Credentials(backend=self.keyring)
        else:
            store = SecureStorageTokenStore(self.storage)
            await store.load()
        self.opened.append(store)
        return store

    async def settle(self) -> None:
        for store in self.opened:
            if isinstance(store, SecureStorageTokenStore):
                await store.flush()


@pytest.fixture(params=["keyring", "secure_storage"])
def backing(request: pytest.FixtureRequest) -> Backing:
    return Backing(request.param)


# --- the contract -----------------------------------------------------------------------------------


async def test_is_a_token_store(backing: Backing) -> None:
    assert isinstance(await backing.open_store(), TokenStore)


async def test_nothing_saved_is_none(backing: Backing) -> None:
    store = await backing.open_store()
    assert store.load_refresh_token(SERVER, ANN) is None


async def test_saved_token_survives_a_restart(backing: Backing) -> None:
    store = await backing.open_store()
    store.save_refresh_token(SERVER, ANN, "rt-1")
    assert store.load_refresh_token(SERVER, ANN) == "rt-1"
    await backing.settle()
    assert (await backing.open_store()).load_refresh_token(SERVER, ANN) == "rt-1"


async def test_saving_again_replaces(backing: Backing) -> None:
    store = await backing.open_store()
    for token in ("rt-1", "rt-2", "rt-3"):  # rotation
        store.save_refresh_token(SERVER, ANN, token)
    assert store.load_refresh_token(SERVER, ANN) == "rt-3"
    await backing.settle()
    assert (await backing.open_store()).load_refresh_token(SERVER, ANN) == "rt-3"


async def test_each_server_and_account_has_its_own_entry(backing: Backing) -> None:
    store = await backing.open_store()
    pairs = [(SERVER, ANN), (SERVER, BO), (OTHER_SERVER, ANN)]
    for i, (server, account) in enumerate(pairs):
        store.save_refresh_token(server, account, f"rt-{i}")
    store.delete(SERVER, BO)
    await backing.settle()
    again = await backing.open_store()
    assert [again.load_refresh_token(s, a) for s, a in pairs] == ["rt-0", None, "rt-2"]


async def test_spellings_of_one_server_and_account_are_one_entry(backing: Backing) -> None:
    store = await backing.open_store()
    store.save_refresh_token("HTTPS://Keel.Example.com:443/", " Ann@Example.com ", "rt-1")
    await backing.settle()
    assert (await backing.open_store()).load_refresh_token(SERVER, ANN) == "rt-1"


async def test_delete_forgets_and_missing_is_fine(backing: Backing) -> None:
    store = await backing.open_store()
    store.delete(SERVER, ANN)  # nothing there: not an error
    store.save_refresh_token(SERVER, ANN, "rt-1")
    store.delete(SERVER, ANN)
    assert store.load_refresh_token(SERVER, ANN) is None
    await backing.settle()
    assert (await backing.open_store()).load_refresh_token(SERVER, ANN) is None


async def test_refuses_an_empty_token_and_a_non_url(backing: Backing) -> None:
    store = await backing.open_store()
    with pytest.raises(ValueError):
        store.save_refresh_token(SERVER, ANN, "")
    with pytest.raises(ValueError):
        store.save_refresh_token("keel.example.com", ANN, "rt-1")
    with pytest.raises(ValueError):
        store.load_refresh_token(SERVER, "  ")


# --- the secure-storage bridge ----------------------------------------------------------------------


async def test_reading_before_load_is_a_wiring_error() -> None:
    store = SecureStorageTokenStore(MemorySecureStorage())
    with pytest.raises(RuntimeError, match="load"):
        store.load_refresh_token(SERVER, ANN)
    with pytest.raises(RuntimeError, match="load"):
        store.save_refresh_token(SERVER, ANN, "rt-1")


async def test_load_keeps_only_keels_keys_and_leaves_others_alone() -> None:
    storage = MemorySecureStorage({"other_app.secret": "x", storage_key(SERVER, ANN): "rt-1"})
    store = SecureStorageTokenStore(storage)
    await store.load()
    store.delete(SERVER, ANN)
    await store.flush()
    assert storage.entries == {"other_app.secret": "x"}
    assert "rt-1" not in repr(store)


async def test_a_burst_of_writes_lands_as_the_last_state() -> None:
    storage = MemorySecureStorage()
    storage.delay = 0.01  # each write is still in flight when the next change comes
    store = SecureStorageTokenStore(storage)
    await store.load()
    store.save_refresh_token(SERVER, ANN, "rt-1")
    await asyncio.sleep(0)  # the first write starts
    store.save_refresh_token(SERVER, ANN, "rt-2")
    store.delete(SERVER, ANN)
    store.save_refresh_token(SERVER, ANN, "rt-3")
    store.save_refresh_token(SERVER, BO, "rt-b")
    await store.flush()
    assert storage.entries == {storage_key(SERVER, ANN): "rt-3", storage_key(SERVER, BO): "rt-b"}
    writes = [call for call in storage.calls if call[0] != "get_all"]
    assert len(writes) <= 3  # rt-1 in flight, then the latest of each key: rotations coalesce


async def test_a_failed_write_is_reported_and_the_session_keeps_its_token() -> None:
    storage = MemorySecureStorage()
    store = SecureStorageTokenStore(storage)
    await store.load()
    storage.fail = OSError("keystore unavailable")
    store.save_refresh_token(SERVER, ANN, "rt-1")
    with pytest.raises(SecureStorageError, match="keystore unavailable") as caught:
        await store.flush()
    assert not caught.value.retryable
    assert "rt-1" not in str(caught.value)
    assert store.load_refresh_token(SERVER, ANN) == "rt-1"
    await store.flush()  # reported once
    storage.fail = None
    store.save_refresh_token(SERVER, ANN, "rt-2")
    await store.flush()
    assert storage.entries == {storage_key(SERVER, ANN): "rt-2"}


async def test_an_unreadable_storage_opens_empty_and_still_writes() -> None:
    storage = MemorySecureStorage({storage_key(SERVER, ANN): "rt-1"})
    storage.fail = OSError("locked")
    store = await open_token_store("android", secure_storage=lambda: storage)
    assert isinstance(store, SecureStorageTokenStore)
    assert store.load_refresh_token(SERVER, ANN) is None
    storage.fail = None
    store.save_refresh_token(SERVER, BO, "rt-b")
    await store.flush()
    assert storage.entries[storage_key(SERVER, BO)] == "rt-b"


async def test_writes_from_another_thread_run_on_the_loop() -> None:
    storage = MemorySecureStorage()
    store = SecureStorageTokenStore(storage)
    await store.load()
    worker = threading.Thread(target=store.save_refresh_token, args=(SERVER, ANN, "rt-1"))
    worker.start()
    await asyncio.to_thread(worker.join)
    await asyncio.sleep(0)  # the loop runs the scheduled flusher
    await store.flush()
    assert storage.entries == {storage_key(SERVER, ANN): "rt-1"}


def test_storage_keys_are_readable_and_distinct() -> None:
    assert storage_key(SERVER, ANN) == f"{KEY_PREFIX}https://keel.example.com:ann@example.com"
    # An account holding the separator cannot collide with another server's key.
    assert storage_key("https://a.example/p", "q:r@x.org") != storage_key("https://a.example/p:q", "r@x.org")


# --- which store where ------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["linux", "macos", "windows", "Linux"])
def test_desktops_use_the_keyring(platform: str) -> None:
    assert isinstance(choose_token_store(platform, secure_storage=_no_storage), Credentials)


@pytest.mark.parametrize("platform", ["android", "ios", "iOS"])
async def test_phones_use_secure_storage(platform: str) -> None:
    storage = MemorySecureStorage({storage_key(SERVER, ANN): "rt-1"})
    chosen = choose_token_store(platform, secure_storage=lambda: storage)
    assert isinstance(chosen, SecureStorageTokenStore) and not chosen.loaded
    opened = await open_token_store(platform, secure_storage=lambda: storage)
    assert opened.load_refresh_token(SERVER, ANN) == "rt-1"


def test_without_the_extension_a_phone_build_says_what_is_missing() -> None:
    # flet-secure-storage is compiled into Android and iOS builds only; it is not installed here.
    with pytest.raises(SecureStorageError, match=r"tool\.flet\.android"):
        choose_token_store("android")


@pytest.mark.parametrize(
    ("flet_platform", "expected"), [("android", "android"), ("iOS", "ios"), ("macos", "macos"), ("", "linux")]
)
def test_runtime_platform_trusts_the_embedding_runtime(
    monkeypatch: pytest.MonkeyPatch, flet_platform: str, expected: str
) -> None:
    monkeypatch.setenv("FLET_PLATFORM", flet_platform)
    monkeypatch.setattr("sys.platform", "linux")
    assert runtime_platform() == expected


def _no_storage() -> MemorySecureStorage:
    raise AssertionError("a desktop must not open secure storage")
