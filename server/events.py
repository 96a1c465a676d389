"""Pokes: who is listening in this process, how a commit reaches them, and the stream that tells them.

On SQLite a commit pokes this process's subscribers directly. On PostgreSQL the commit carries a
NOTIFY (see `Database.notify_in_tx`), and every process's listener fans it out to its own
subscribers, so any process can serve any client's event stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.events_rows import Commit, Link, StreamRows, Visibility

log = logging.getLogger("keel.events")


class Subscription:
    """One open event stream: the newest cursor waiting to be sent (pokes coalesce)."""

    def __init__(self, user_id: str, loop: asyncio.AbstractEventLoop, rows: StreamRows | None = None) -> None:
        self.user_id = user_id
        self.loop = loop
        self.cursor = 0
        self.closed = False
        self.rows = rows  # a stream that carries changes (docs/protocol.md), else None
        self.family_id: str | None = None  # the sign-in it serves: signing out ends it at once
        self._event = asyncio.Event()

    def poke(self, cursor: int, link: Link | None = None) -> None:
        self.cursor = max(self.cursor, cursor)
        if self.rows is not None:
            self.rows.take(cursor, link)
        self._event.set()

    def close(self) -> None:
        """Ends the stream (the client left, or the server is shutting down)."""
        self.closed = True
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Returns after a poke or `close()`, or once `timeout` seconds passed without either."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(timeout, 0.0))
        self._event.clear()


class Broker:
    """This process's subscriptions, by user. `publish` may be called from any thread."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()
        self._closed = False
        # The chain of commits heard (events_rows): gap-free over (base, tip]; `grants` ends the
        # last commit in it that may have changed who sees what.
        self._tip = self._base = self._grants = 0

    def subscribe(
        self, user_id: str, changes: bool = False, visibility: Visibility | None = None, family_id: str | None = None
    ) -> Subscription:
        """A live subscription from now on; call it on the event loop that will read it. With
        `changes`, its pokes carry the rows `visibility` lets it see, when they can."""
        sub = Subscription(user_id, asyncio.get_running_loop())
        sub.family_id = family_id
        with self._lock:
            if changes:
                sub.rows = StreamRows(visibility, self._tip)
            if self._closed:
                sub.close()
            else:
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

    def publish(self, users: set[str] | None, cursor: int, commit: Commit | None = None) -> None:
        """Pokes the local subscribers of `users` (None: everyone) about `commit`, when known."""
        with self._lock:
            link = self._link(cursor, commit)
            if users is None:
                targets = [s for subs in self._subs.values() for s in subs]
            else:
                targets = [s for u in users for s in self._subs.get(u, ())]
        _on_their_loops(targets, lambda sub: sub.poke(cursor, link))

    def _link(self, cursor: int, commit: Commit | None) -> Link | None:
        if commit is None:  # a poke of unknown content (reminders, a listener back on its feet)
            if cursor > self._tip:
                self._base = self._tip = cursor
            self._grants = max(self._grants, cursor)
            return None
        if commit.cursor <= self._tip:  # heard already (directly and through NOTIFY), or late
            if commit.grants:
                self._grants = max(self._grants, commit.cursor)
            return None
        if commit.start != self._tip:  # commits in between were not heard: the chain starts again
            self._base = commit.start
        self._tip = commit.cursor
        if commit.grants:
            self._grants = commit.cursor
        return Link(commit, self._base, self._grants)

    def end_family(self, family_id: str) -> None:
        """Ends the streams of a sign-in that was signed out or revoked (the client's reconnect
        meets a 401), rather than at their next ping: a stream that carries rows must not outlive it."""
        with self._lock:
            targets = [s for subs in self._subs.values() for s in subs if s.family_id == family_id]
        _on_their_loops(targets, Subscription.close)

    def close_all(self) -> None:
        """Ends every stream, now and to come: the server is shutting down and clients should reconnect."""
        with self._lock:
            self._closed = True
            targets = [s for subs in self._subs.values() for s in subs]
        _on_their_loops(targets, Subscription.close)


def _on_their_loops(subs: list[Subscription], action: Callable[[Subscription], None]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = defaultdict(list)
    for sub in subs:
        by_loop[sub.loop].append(sub)
    for loop, group in by_loop.items():
        try:
            loop.call_soon_threadsafe(_apply, group, action)
        except RuntimeError:  # that loop has closed; its streams are gone
            log.debug("dropped a poke for a closed loop")


def _apply(subs: list[Subscription], action: Callable[[Subscription], None]) -> None:
    for sub in subs:
        action(sub)


def sse(event: str, data: dict[str, object] | bytes, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = data if isinstance(data, bytes) else orjson.dumps(data)
    return f"{head}event: {event}\ndata: ".encode() + body + b"\n\n"


class EventStream(Response):
    """`text/event-stream` of pokes and pings for one user, until the client disconnects.

    The subscription is taken before the headers go out, so a client that has the headers and then
    pulls misses nothing. Pokes are sent only when the cursor moves forward (a commit seen both
    directly and through NOTIFY is announced once); pings keep their own clock.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        broker: Broker,
        user_id: str,
        ping_interval_s: float,
        still_signed_in: Callable[[], Awaitable[bool]] | None = None,
        changes: tuple[Visibility, Callable[[], Awaitable[Visibility]]] | None = None,
        family_id: str | None = None,
    ) -> None:
        self.family_id = family_id
        self.still_signed_in = still_signed_in
        # A stream that carries changes: the user's visibility now, and how to read it again.
        self.changes = changes
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # no body: no content-length
        self.broker = broker
        self.user_id = user_id
        self.ping_interval_s = ping_interval_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        visibility = self.changes[0] if self.changes else None
        sub = self.broker.subscribe(self.user_id, self.changes is not None, visibility, self.family_id)
        watcher = asyncio.create_task(_until_disconnect(receive))
        watcher.add_done_callback(lambda _: sub.close())
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await self._run(sub, send)
            if not watcher.done():  # the server ended the stream; the client reconnects
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # servers speaking ASGI 2.4 raise when the client has gone
            pass
        finally:
            self.broker.unsubscribe(sub)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher

    async def _run(self, sub: Subscription, send: Send) -> None:
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + self.ping_interval_s
        sent = 0
        refresh: asyncio.Task[None] | None = None
        try:
            while True:
                await sub.wait(next_ping - loop.time())
                if sub.closed:
                    return
                if sub.cursor > sent:
                    data: dict[str, object] | bytes = {"cursor": sub.cursor}
                    if sub.rows is not None:
                        data = sub.rows.frame_data(sent)
                    sent = sub.cursor
                    await _send_event(send, sse("poke", data, sent))
                    if sub.rows is not None and sub.rows.stale and (refresh is None or refresh.done()):
                        refresh = asyncio.create_task(self._read_visibility(sub.rows))
                if loop.time() >= next_ping:
                    if not await self._ping(send):
                        return
                    next_ping = loop.time() + self.ping_interval_s
        finally:
            if refresh is not None:
                refresh.cancel()

    async def _read_visibility(self, rows: StreamRows) -> None:
        """Reads the stream's visibility again (after a grant, say); pokes stay plain meanwhile."""
        assert self.changes is not None
        rows.stale = False  # a grant heard while reading marks it stale again
        try:
            rows.visibility = await self.changes[1]()
        except Exception:
            log.exception("could not read a stream's visibility; its pokes stay plain")
            rows.visibility = None

    async def _ping(self, send: Send) -> bool:
        # A signed-out or revoked session loses its stream by the next ping; the client's
        # reconnect then meets a 401 and signs in again.
        if self.still_signed_in is not None and not await self.still_signed_in():
            return False
        await _send_event(send, sse("ping", {}))
        return True


async def _send_event(send: Send, frame: bytes) -> None:
    await send({"type": "http.response.body", "body": frame, "more_body": True})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
