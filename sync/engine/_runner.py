"""`SyncEngine`: the thin async runner that moves the outbox to the server and the server's rows home.

One push in flight, batches of at most 500, the outbox re-read after every push, a pull after the
last batch is answered and on every poke. No database transaction is ever open across an HTTP call: each store call
is its own short transaction between two awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from sync.engine._decide import (
    Backoff,
    Progress,
    answered_up_to,
    page_size,
    plan_out_of_order,
    progress_after,
    retry_delay,
)
from sync.engine._remote import Remote
from sync.errors import CursorExpired, NetworkError, NotSignedIn, OutOfOrder, ServerError, SyncError
from sync.protocol import DEFAULT_PULL_LIMIT, MAX_MUTATIONS_PER_PUSH, MAX_PULL_LIMIT
from sync.store import EngineStore, Rejection

log = logging.getLogger("keel.sync")
T = TypeVar("T")
ProgressCallback = Callable[[Progress], None]
# The server pings every 15 s (PROTOCOL.md): three missed pings and the stream counts as dead, even
# when no connection error says so (a laptop that slept, a network that went away silently).
STREAM_IDLE_S = 45.0
# Rows per bootstrap page: half the server's maximum. A page's objects are the client's largest
# allocation (2,500 tasks: 2 MB of JSON, 5 MB parsed), and with the next page fetched while one is
# written the round trips cost little: 100,000 tasks peaked at 74 MB RSS instead of 82.
BOOTSTRAP_PAGE_LIMIT = MAX_PULL_LIMIT // 2


@dataclass
class SyncReport:
    pushed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    pulled_rows: int = 0
    pages: int = 0
    cursor: int = 0
    new_client_id: bool = False


class SyncEngine:
    def __init__(
        self,
        store: EngineStore,
        remote: Remote,
        *,
        backoff: Backoff | None = None,
        max_attempts: int = 5,
        page_limit: int | None = None,
        batch_limit: int = MAX_MUTATIONS_PER_PUSH,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reconnect: Backoff | None = None,
        stream_idle_s: float = STREAM_IDLE_S,
    ) -> None:
        self.store = store
        self.remote = remote
        self.backoff = backoff or Backoff()
        self.max_attempts = max_attempts
        # A bootstrap pulls larger pages (fewer round trips and less of the server's per-page work);
        # catching up uses the default. An explicit limit sets both.
        self.page_limit = page_limit or DEFAULT_PULL_LIMIT
        self.bootstrap_page_limit = page_limit or BOOTSTRAP_PAGE_LIMIT
        self.batch_limit = min(batch_limit, MAX_MUTATIONS_PER_PUSH)
        self.sleep = sleep
        # The event stream is the engine's liveness probe: it reconnects on its own (cheap: a refused
        # connection costs nothing) and every reconnect cuts a sync retry's wait short.
        self.reconnect = reconnect or self.backoff
        self.stream_idle_s = stream_idle_s
        self.connected = False  # the event stream is open
        self._reconnected = asyncio.Event()
        self.last_error: SyncError | None = None
        # What a status bar shows: 'idle' (not running), 'syncing', 'online' (the last sync worked)
        # or 'offline' (it failed and a retry is waiting); `on_state` hears every change.
        self.state = "idle"
        self.on_state: Callable[[str], None] | None = None
        self._lock = asyncio.Lock()  # one sync (so one push) in flight per engine

    @property
    def bootstrapping(self) -> bool:
        """Whether the next pull is a bootstrap: the store has no cursor yet."""
        return self.store.cursor == 0

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            _tell(self.on_state, state)

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except SyncError as exc:
                delay = retry_delay(exc, attempt, self.backoff)
                attempt += 1
                if delay is None or attempt >= self.max_attempts:
                    raise
                log.info("retrying in %.2fs after %s", delay, exc)
                if isinstance(exc, NetworkError) and self.state == "syncing":
                    self.last_error = exc
                    self._set_state("offline")  # say so now, not after the last attempt
                self._reconnected.clear()
                await _first(self.sleep(delay), self._reconnected.wait())

    async def sync(self, on_progress: ProgressCallback | None = None) -> SyncReport:
        """Pushes the whole outbox (then pulls once), then pulls until up to date."""
        async with self._lock:
            report = SyncReport()
            try:
                await self._push_all(report, on_progress)
                await self._pull_all(report, on_progress)
            except SyncError as exc:
                self.last_error = exc
                self.store.note_sync(str(exc))
                await self._checkpoint()
                raise
            await self._checkpoint()
            self.last_error = None
            self.store.note_sync(None)
            return report

    async def _checkpoint(self) -> None:
        """What the store's connection leaves undone so that UI writes stay fast (queued search-index
        updates, WAL checkpoints): in a thread, on a connection of its own."""
        await asyncio.to_thread(self.store.maintain_detached)

    async def push(self) -> SyncReport:
        """Pushes the outbox, then pulls what acknowledges it."""
        async with self._lock:
            report = SyncReport()
            await self._push_all(report, None)
            return report

    async def pull(self, on_progress: ProgressCallback | None = None) -> SyncReport:
        """Pulls until has_more is false; from cursor 0 that is the bootstrap, in pages."""
        async with self._lock:
            report = SyncReport()
            await self._pull_all(report, on_progress)
            return report

    async def _push_all(self, report: SyncReport, on_progress: ProgressCallback | None) -> None:
        """Pushes batch after batch until every entry is answered, then pulls once: the pull that
        acknowledges them all (a pull per batch would rebase the view once per batch)."""
        answered = False
        while True:
            batch = self.store.outbox_batch(self.batch_limit)
            if not batch:
                if answered:
                    await self._pull_all(report, on_progress)
                return
            client_id = self.store.client_id
            wire = [entry.wire() for entry in batch]
            try:
                answer = await self._retrying(functools.partial(self.remote.push, client_id, wire))
            except OutOfOrder as exc:
                if plan_out_of_order(exc.last_mutation_id, batch, self.store.last_issued) == "new_client":
                    self.store.take_new_client_id()
                    report.new_client_id = True
                else:
                    self.store.record_push(answered_up_to(exc.last_mutation_id, batch))
                continue
            if self.store.server_lmid_ahead(int(answer.get("last_mutation_id", 0))):
                # The server knows ids this device never issued (a restored cache): its "duplicate"
                # answers are about other mutations, so resend ours under a new client_id.
                self.store.take_new_client_id()
                report.new_client_id = True
                continue
            report.pushed += len(answer.get("results", []))
            report.rejected += self.store.record_push(answer)
            answered = True

    async def _pull_all(self, report: SyncReport, on_progress: ProgressCallback | None) -> None:
        bootstrap = self.bootstrapping
        rows = 0
        expired_once = False
        ahead: asyncio.Task[bytes] | None = None  # the next page's body, fetched while this one is written
        ahead_of: tuple[int, str] = (0, "")
        try:
            while True:
                cursor, client_id = self.store.cursor, self.store.client_id
                try:
                    if not bootstrap:
                        pull = functools.partial(self.remote.pull, cursor, client_id, self.page_limit)
                        page = await self._retrying(pull)
                    else:
                        if ahead is not None and ahead_of == (cursor, client_id):
                            body = await ahead
                        else:
                            body = await self._fetch_body(cursor, client_id)
                        ahead = None  # it holds the body too
                        # Parsed off the loop, and only now that the page before it is written: one
                        # page's objects are alive at a time (10 MB for 5,000 tasks), not two.
                        page = await asyncio.to_thread(orjson.loads, body)
                        del body
                except CursorExpired:
                    if expired_once:
                        raise
                    expired_once = True
                    self.store.reset_cache()  # keeps the outbox and client_id
                    bootstrap, rows = True, 0
                    continue
                finally:
                    _cancelled(ahead)
                    ahead = None
                if bootstrap and page.get("has_more", False):
                    # Pipelined: the server builds and sends the next page while this one is written
                    # on a worker thread.
                    ahead_of = (int(page["cursor"]), client_id)
                    ahead = asyncio.ensure_future(self._fetch_body(*ahead_of))
                    write = functools.partial(self.store.apply_pull, page, bulk=True, emit=False)
                    changes = await asyncio.to_thread(write)
                    del write
                    self.store.announce(changes)
                    del changes
                else:
                    self.store.apply_pull(page, bulk=bootstrap)
                log.info("pulled up to %s: %d rows, more %s", page["cursor"], page_size(page), page.get("has_more"))
                progress = progress_after(rows, page)
                rows = progress.rows
                report.pulled_rows += page_size(page)
                report.pages += 1
                report.cursor = progress.cursor
                del page
                if progress.done and bootstrap:
                    self.store.finish_bulk(search=False, later=False)  # the board's indexes before "done"
                _tell(on_progress, progress)
                if progress.done:
                    if not self.store.search_ready or self.store.base_sparse:
                        # The base copies a bootstrap left out, then the trigram index, in chunks on
                        # a connection of its own: the loop (and the UI on it) stays free, and search
                        # answers through LIKE until the index is whole.
                        await asyncio.to_thread(self.store.build_search_detached)
                    return
        finally:
            _cancelled(ahead)

    async def _fetch_body(self, cursor: int, client_id: str) -> bytes:
        """One bootstrap page, unparsed: the largest pages, in the compact form."""
        call = functools.partial(self.remote.pull_body, cursor, client_id, self.bootstrap_page_limit, compact=True)
        return await self._retrying(call)

    async def run(self, stop: asyncio.Event | None = None, on_progress: ProgressCallback | None = None) -> None:
        """Keeps the store in sync until `stop` is set: syncs at start, after every local action,
        on every poke, and after every reconnect of the event stream. NotSignedIn ends the run.
        `on_progress` hears the pages of every pull (the bootstrap's among them)."""
        stop = stop or asyncio.Event()
        wake = asyncio.Event()
        wake.set()

        unsubscribe = self.store.on_local_edit(wake.set)
        listener = asyncio.create_task(self._listen(wake, stop))
        attempt = 0
        try:
            while not stop.is_set():
                await _first(wake.wait(), stop.wait())
                if stop.is_set():
                    return
                wake.clear()
                self._set_state("syncing")
                try:
                    await self.sync(on_progress)
                    attempt = 0
                    self._set_state("online")
                except NotSignedIn:
                    self._set_state("idle")
                    raise
                except SyncError as exc:
                    log.warning("sync failed: %s", exc)
                    self._set_state("offline")
                    # A reconnect of the event stream (the server is back) or a new local edit ends
                    # the wait at once.
                    await _first(self.sleep(self.backoff.delay(attempt)), stop.wait(), wake.wait())
                    attempt += 1
                    wake.set()
        finally:
            self._set_state("idle")
            unsubscribe()
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    def _apply_changes(self, data: dict[str, object]) -> bool:
        """Applies the rows a poke carries, as the pull page they stand for, when they start at our
        cursor and nothing could make them mean less than a pull would: no sync in flight (its
        push may be applied and unanswered) and an empty outbox (a pull's `last_mutation_id`
        acknowledges entries, sent or answered; a poke has none). Otherwise the caller pulls."""
        changes, start, cursor = data.get("changes"), data.get("from"), data.get("cursor")
        if not isinstance(changes, list) or not isinstance(start, int) or not isinstance(cursor, int):
            return False
        if self._lock.locked() or start != self.store.cursor or self.store.outbox():
            return False
        page = {"cursor": cursor, "has_more": False, "remaining": 0, "last_mutation_id": 0, "changes": changes}
        try:
            self.store.apply_pull({**page, "revoked_projects": []})
        except Exception:  # a row this client cannot write: a pull says the same or says why
            log.exception("could not apply the rows of a poke; pulling instead")
            return False
        return True

    async def _listen(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Follows the event stream: a poke or a (re)connect wakes a sync. A stream that breaks, or
        stays silent past `stream_idle_s` (the server pings every 15 s), means the server is out
        of reach: the state says offline at once, not at the next sync."""
        attempt = 0
        while not stop.is_set():
            try:
                async for event in self.remote.events(idle_timeout=self.stream_idle_s, changes=True):
                    if event.event == "open":
                        self.connected = True
                        self._reconnected.set()
                    if event.event == "poke" and _poke_cursor(event.data) <= self.store.cursor:
                        continue  # we already pulled past it (our own push, say): nothing to fetch
                    if event.event == "poke" and self._apply_changes(event.data):
                        continue  # the poke carried what a pull would have brought
                    if event.event in ("open", "poke"):
                        attempt = 0
                        wake.set()
            except (NetworkError, ServerError) as exc:
                log.info("event stream lost: %s", exc)
                if self.state != "syncing":  # a sync in flight finds out for itself
                    self.last_error = exc
                    self._set_state("offline")
            except NotSignedIn as exc:
                self.last_error = exc
                return
            except SyncError as exc:
                log.warning("event stream refused: %s", exc)
            finally:
                self.connected = False
            await _first(self.sleep(self.reconnect.delay(attempt)), stop.wait())
            attempt += 1


def _cancelled(task: asyncio.Task[Any] | None) -> None:
    """Drops a page fetched ahead that will not be used (its error, too: the next fetch meets it)."""
    if task is not None and not task.done():
        task.cancel()
    elif task is not None and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it


def _tell(listener: Callable[[T], None] | None, value: T) -> None:
    """Calls a status or progress listener; its failure is logged and never stops the sync."""
    if listener is None:
        return
    try:
        listener(value)
    except Exception:
        log.exception("a sync listener failed (%r); syncing goes on", listener)


def _poke_cursor(data: dict[str, object]) -> float:
    """The cursor a poke announces (infinite when it names none, so that it always wakes us)."""
    value = data.get("cursor")
    return float(value) if isinstance(value, int) else float("inf")


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
