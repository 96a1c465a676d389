"""The local store: the cache the UI renders from, the outbox and the rejection log, as one object
with two faces (`AppStore`, what the app may call; `EngineStore`, what the sync engine needs)."""

from __future__ import annotations

from sync.store._app_face import AppStore
from sync.store._engine_face import EngineStore


class Store(AppStore, EngineStore):
    """The cache the UI renders from. Use it from one thread (the app's event loop); other
    processes may open the same file (WAL), but only one should run a sync engine on it.

    Whoever opens it (`app/core.py`, `keel`) holds both faces: it hands the app the `AppStore`
    and the engine the `EngineStore`. Every public method is on exactly one face."""
