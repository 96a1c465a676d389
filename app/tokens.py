"""Where the app keeps the refresh token: the OS keyring on desktops, Flet's secure storage on phones.

`keyring` has no backend on Android or iOS, so there the token goes to the `flet-secure-storage`
extension (Keystore-backed preferences on Android, the Keychain on iOS), which a `flet build` for
those platforms compiles in. Both implement `sync.tokens.TokenStore`; `choose_token_store` picks one
by the platform Python runs on.

The bridge: secure storage is asynchronous (each call is a round trip to the Flutter side) while a
`TokenStore` is synchronous (the engine's `httpx.Auth` flow reads and rotates the token in the
middle of a request). So `SecureStorageTokenStore` answers from an in-memory cache that `load()`
fills once at start, and writes through in the background: a save or delete changes the cache at
once and marks the key dirty; one flusher task on the app's event loop writes each dirty key's
*current* value (set, or remove when it is gone). Writing the latest value rather than replaying
calls keeps the storage in the cache's final state whatever the order the writes complete in, and
folds a burst of rotations into one write. `flush()` waits for the writes and reports a failed one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote

from sync.credentials import CredentialsError, normalise_account, normalise_server
from sync.tokens import TokenStore

__all__ = [
    "MOBILE_PLATFORMS",
    "KeyValueStorage",
    "SecureStorageError",
    "SecureStorageTokenStore",
    "choose_token_store",
    "flet_secure_storage",
    "open_token_store",
    "runtime_platform",
    "storage_key",
]

log = logging.getLogger("keel.app.tokens")

MOBILE_PLATFORMS = frozenset({"android", "ios"})
KEY_PREFIX = "keel.refresh_token:"


class KeyValueStorage(Protocol):
    """The part of `flet_secure_storage.SecureStorage` (flet-secure-storage 1.0.5) used here."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

    async def remove(self, key: str) -> None: ...

    async def get_all(self) -> dict[str, str]: ...


class SecureStorageError(CredentialsError):
    """The device's secure storage failed to read or write (or is not built into this app)."""


def storage_key(server: str, account: str) -> str:
    """One key per (server, account), spelled as `sync.credentials` normalises them.

    The account is percent-encoded (keeping `@`) so it holds no `:`; the key then splits back
    unambiguously at its last `:`, so two different pairs never share a key.
    """
    return f"{KEY_PREFIX}{normalise_server(server)}:{quote(normalise_account(account), safe='@')}"


class SecureStorageTokenStore:
    """A `TokenStore` over an async key-value storage: reads from a cache, writes through.

    `await load()` once, on the event loop that will run the writes, before the first read. Reads
    and writes may then come from any thread; writes are performed on that loop.
    """

    def __init__(self, storage: KeyValueStorage) -> None:
        self._storage = storage
        self._cache: dict[str, str] = {}
        self._dirty: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._failures: list[SecureStorageError] = []

    def __repr__(self) -> str:  # never the tokens
        return f"<SecureStorageTokenStore loaded={self.loaded} entries={len(self._cache)}>"

    @property
    def loaded(self) -> bool:
        return self._loop is not None

    async def load(self) -> None:
        """Reads every Keel entry into the cache (other apps' and libraries' keys are left alone).

        Raises `SecureStorageError` when the storage cannot be read; the store is usable all the same,
        starting empty (the person signs in again) and still trying to write.
        """
        self._loop = asyncio.get_running_loop()
        try:
            entries = await self._storage.get_all()
        except Exception as exc:  # the storage is a platform channel: any failure is its own
            raise SecureStorageError(f"The device's secure storage could not be read: {exc}") from exc
        with self._lock:
            self._cache = {key: value for key, value in (entries or {}).items() if key.startswith(KEY_PREFIX) and value}
        log.debug("secure storage holds %d Keel sign-in(s)", len(self._cache))

    # --- TokenStore ---------------------------------------------------------------------------

    def load_refresh_token(self, server: str, account: str) -> str | None:
        key = storage_key(server, account)
        self._require_loaded()
        with self._lock:
            return self._cache.get(key)

    def save_refresh_token(self, server: str, account: str, token: str) -> None:
        if not token:
            raise ValueError("Refusing to save an empty refresh token")
        key = storage_key(server, account)
        self._require_loaded()
        with self._lock:
            self._cache[key] = token
            self._dirty.add(key)
        self._schedule_flush()

    def delete(self, server: str, account: str) -> None:
        key = storage_key(server, account)
        self._require_loaded()
        with self._lock:
            self._cache.pop(key, None)
            self._dirty.add(key)
        self._schedule_flush()

    # --- write-through ------------------------------------------------------------------------

    async def flush(self) -> None:
        """Waits until every change so far is written; raises the first write that failed since the
        last flush (the token then lives in memory only, and the next start asks for a sign-in)."""
        while True:
            self._ensure_flusher()
            flusher = self._flusher
            if flusher is None or flusher.done():
                break
            await asyncio.shield(flusher)
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            raise failures[0]

    def _require_loaded(self) -> None:
        if self._loop is None:
            raise RuntimeError("SecureStorageTokenStore: await load() on the app's event loop before using it")

    def _schedule_flush(self) -> None:
        loop = self._loop
        assert loop is not None
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._ensure_flusher()
        else:
            loop.call_soon_threadsafe(self._ensure_flusher)

    def _ensure_flusher(self) -> None:
        """On the loop: starts the flusher unless one is running (it picks up keys dirtied meanwhile)."""
        with self._lock:
            pending = bool(self._dirty)
        if pending and (self._flusher is None or self._flusher.done()):
            assert self._loop is not None
            self._flusher = self._loop.create_task(self._write_dirty(), name="keel-secure-storage-writes")

    async def _write_dirty(self) -> None:
        while True:
            with self._lock:
                if not self._dirty:
                    return
                key = self._dirty.pop()
                value = self._cache.get(key)
            try:
                if value is None:
                    await self._storage.remove(key)
                else:
                    await self._storage.set(key, value)
            except Exception as exc:  # the storage is a platform channel: any failure is its own
                action = "forget" if value is None else "keep"
                error = SecureStorageError(f"The device's secure storage could not {action} the sign-in: {exc}")
                log.warning("%s", error)
                with self._lock:
                    self._failures.append(error)


# --- which store ----------------------------------------------------------------------------------


def runtime_platform() -> str:
    """Where this Python runs: 'android', 'ios', 'macos', 'windows' or 'linux'.

    Inside a `flet build` app the embedding runtime says so in FLET_PLATFORM. Otherwise (desktop,
    and web mode, where Python runs on the serving machine whatever the browser is) `sys.platform`.
    """
    embedded = os.environ.get("FLET_PLATFORM", "").strip().lower()
    if embedded:
        return embedded
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform.startswith("linux"):
        return "linux"
    return sys.platform  # 'android' and 'ios' on Python 3.13+


def flet_secure_storage() -> KeyValueStorage:
    """Flet's secure storage service, registered with the current page (call it inside a session).

    iOS: the Keychain item stays on this device (`UNLOCKED_THIS_DEVICE`): a backup restored on
    another phone must not carry the sign-in, since two devices rotating one refresh token would
    trip the server's reuse detection and end both sessions.
    """
    try:
        from flet_secure_storage import IOSOptions, KeychainAccessibility, SecureStorage
    except ImportError as exc:
        raise SecureStorageError(
            "This build has no secure storage: flet-secure-storage is added to Android and iOS builds "
            "by [tool.flet.android] and [tool.flet.ios] dependencies in pyproject.toml"
        ) from exc
    return SecureStorage(ios_options=IOSOptions(accessibility=KeychainAccessibility.UNLOCKED_THIS_DEVICE))


def choose_token_store(
    platform: str, *, secure_storage: Callable[[], KeyValueStorage] = flet_secure_storage
) -> TokenStore:
    """The keyring (`sync.credentials.Credentials`) on desktops; secure storage on Android and iOS.

    A secure-storage store must be `await store.load()`-ed before use; `open_token_store` does both.
    """
    if platform.lower() in MOBILE_PLATFORMS:
        return SecureStorageTokenStore(secure_storage())
    from sync.credentials import Credentials

    return Credentials()


async def open_token_store(
    platform: str | None = None, *, secure_storage: Callable[[], KeyValueStorage] = flet_secure_storage
) -> TokenStore:
    """`choose_token_store` for this runtime, loaded and ready for `Core(data_dir, tokens=...)`.

    A secure storage that cannot be read is logged, not raised, so the app opens either way (signed out).
    """
    store = choose_token_store(platform or runtime_platform(), secure_storage=secure_storage)
    if isinstance(store, SecureStorageTokenStore):
        try:
            await store.load()
        except SecureStorageError as exc:
            log.warning("%s; starting signed out", exc)
    return store
