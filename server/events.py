"""Pokes: who is listening in this process, and how a commit reaches them.

On SQLite a commit pokes this process's subscribers directly. On PostgreSQL the commit carries a
NOTIFY (see `Database.notify_in_tx`), and every process's listener fans it out to its own
subscribers, so any process can serve any client's event stream.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict

log = logging.getLogger("keel.events")


class Subscription:
    """One open event stream: the newest cursor waiting to be sent (pokes coalesce)."""

    def __init__(self, user_id: str, loop: asyncio.AbstractEventLoop) -> None:
        self.user_id = user_id
        self.loop = loop
        self.event = asyncio.Event()
        self.cursor = 0

    def poke(self, cursor: int) -> None:
        self.cursor = max(self.cursor, cursor)
        self.event.set()

    async def wait(self, timeout: float) -> int | None:
        """The cursor to announce, or None when `timeout` passed without a poke."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return None
        self.event.clear()
        return self.cursor


class Broker:
    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def subscribe(self, user_id: str) -> Subscription:
        sub = Subscription(user_id, asyncio.get_running_loop())
        with self._lock:
            self._subs[user_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.user_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.user_id]

    @property
    def connections(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def publish(self, users: set[str] | None, cursor: int) -> None:
        """Pokes the local subscribers of `users` (None: everyone). Safe from any thread."""
        with self._lock:
            if users is None:
                targets = [s for subs in self._subs.values() for s in subs]
            else:
                targets = [s for u in users for s in self._subs.get(u, ())]
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = defaultdict(list)
        for sub in targets:
            by_loop[sub.loop].append(sub)
        for loop, subs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_poke_all, subs, cursor)
            except RuntimeError:  # that loop has closed; its streams are gone
                log.debug("dropped a poke for a closed loop")


def _poke_all(subs: list[Subscription], cursor: int) -> None:
    for sub in subs:
        sub.poke(cursor)
