"""Client devices for integration tests: each one a Store in its own SQLite file, a Remote and an engine."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sync.engine import Backoff, Remote, SyncEngine
from sync.store import Store
from sync.tokens import MemoryTokenStore, TokenStore

PASSWORD = "correct horse"
_n = itertools.count(1)
FAST = Backoff(base=0.01, factor=2, cap=0.05)


@dataclass
class Device:
    store: Store
    remote: Remote
    engine: SyncEngine
    user: dict[str, Any]
    email: str

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    async def close(self) -> None:
        await self.remote.aclose()
        self.store.close()


async def register(url: str, name: str = "测试用户", email: str | None = None) -> str:
    email = email or f"device{next(_n)}@example.com"
    async with Remote(url, MemoryTokenStore()) as remote:
        await remote.register(email, PASSWORD, name)
    return email


async def sign_in(
    url: str,
    path: Path,
    email: str,
    *,
    tokens: TokenStore | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **engine: Any,
) -> Device:
    remote = Remote(url, tokens or MemoryTokenStore(), transport=transport)
    user = await remote.login(email, PASSWORD)
    store = Store.open(path)
    store.set_account(url, str(user["id"]), email)
    engine.setdefault("backoff", FAST)
    return Device(store, remote, SyncEngine(store, remote, **engine), user, email)


def cache(store: Store, entity: str) -> dict[str, dict[str, Any]]:
    """Every row of an entity in the view, keyed by id, without the local `pending` mark."""
    rows = store.conn.execute(f"SELECT * FROM {entity}").fetchall()
    return {r["id"]: {k: r[k] for k in r.keys() if k != "pending"} for r in rows}  # noqa: SIM118
