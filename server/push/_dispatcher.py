"""The push gateway: delivers each committed notification to its recipient's endpoints, in the background.

`deliver` returns at once. The work runs on the dispatcher's own event loop in a thread of its own
(started on first use), so neither a request nor the writer lock ever waits on a push service:
it looks up the recipient's registrations (a short read, off the loop), defers the push to the
end of the recipient's quiet hours if it was made in them (`_deferred`), builds the payload, and
sends to every endpoint
concurrently. A failed send is retried with backoff while the service says it is unavailable; an
endpoint the service calls gone (404, 410) is removed. Time and randomness are injected, so tests
can run the whole schedule without waiting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.db import Database
from server.notification_prefs import DEFAULT_TIME_ZONE, load_prefs
from server.push._deferred import defer, quiet_until
from server.push._errors import EndpointGone, InvalidSubscription, PushError
from server.push._gateway import Notice, PushMessage, Registration, Sender
from server.push._http import origin_of
from server.push._payload import NoticeContext, message_of
from server.push._retry import RetryPolicy
from server.push._store import forget, registrations_of
from server.rawsql import Raw
from server.tables import projects, tasks, users

log = logging.getLogger("keel.push")


Sleep = Callable[[float], Awaitable[None]]


class PushDispatcher:
    """A `PushGateway` over the registrations table and one `Sender` per registration kind."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        *,
        ttl_s: int = 24 * 3600,
        policy: RetryPolicy | None = None,
        concurrency: int = 32,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        default_time_zone: str = DEFAULT_TIME_ZONE,
    ) -> None:
        self.db = db
        self.default_time_zone = default_time_zone
        self.senders = dict(senders)
        self.ttl_s = ttl_s
        self.policy = policy or RetryPolicy()
        self._concurrency = concurrency
        self._sleep = sleep or asyncio.sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._slots: asyncio.Semaphore | None = None
        self._pending: set[concurrent.futures.Future[None]] = set()

    # --- the gateway ---------------------------------------------------------------------------

    def deliver(self, user_id: str, notice: Notice) -> None:
        if notice.user_id != user_id:  # a notification goes to its own user's devices, and only there
            raise ValueError("a notification can only be pushed to its own user")
        future = asyncio.run_coroutine_threadsafe(self._deliver(notice), self._started())
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._finished)

    def _finished(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every delivery handed over so far has finished (sent, dropped or given up)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            concurrent.futures.wait(pending, timeout=left)

    # --- the loop ------------------------------------------------------------------------------

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="keel-push", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def close(self, grace_s: float = 2.0) -> None:
        """Lets deliveries in flight finish for up to `grace_s`, then cancels the rest and stops the loop.

        A later `deliver` starts a fresh loop, so a server that stops and starts again keeps pushing.
        """
        self.wait_idle(grace_s)
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            self._slots = None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        except Exception:  # stopping must not fail the server's shutdown
            log.exception("the push dispatcher did not shut down cleanly")
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            if not thread.is_alive():
                loop.close()
            with self._lock:  # handed over as the loop stopped: they will never run
                stranded = [f for f in self._pending if not f.done()]
            for future in stranded:
                future.cancel()

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        for sender in self.senders.values():
            try:
                await sender.aclose()
            except Exception:
                log.exception("closing the %s sender failed", sender.kind)

    # --- one notification ----------------------------------------------------------------------

    def deliver_test(self, user_id: str, registration_id: str, notice: Notice) -> None:
        """Sends `notice` to one of `user_id`'s registrations only, now (quiet hours are for news, not
        for a test the person asked for). Returns at once; the outcome is not reported back."""
        if notice.user_id != user_id:
            raise ValueError("a notification can only be pushed to its own user")
        work = self._deliver(notice, only=registration_id)
        future = asyncio.run_coroutine_threadsafe(work, self._started())
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._finished)

    async def _deliver(self, notice: Notice, only: str | None = None) -> None:
        try:
            registrations, context, until = await asyncio.to_thread(self._look_up, notice, only)
            if until is not None:
                await asyncio.to_thread(defer, self.db, notice, until)
                log.debug("notification %s was made in quiet hours; deferred to their end", notice.id)
                return
            if not registrations:
                return
            message = message_of(notice, context, self.ttl_s)
            sends = [self._send(r, message, notice) for r in registrations]
            results = await asyncio.gather(*sends, return_exceptions=True)
        except Exception:
            log.exception("pushing notification %s failed", notice.id)
            return
        for result in results:
            if isinstance(result, Exception):
                log.error("pushing notification %s failed", notice.id, exc_info=result)

    def _look_up(
        self, notice: Notice, only: str | None = None
    ) -> tuple[list[Registration], NoticeContext, datetime | None]:
        """The registrations to push to and the payload's context; or, in quiet hours, when they end."""
        # Runs on the loop's small default executor, so a burst of notifications holds only a few
        # of the pool's connections at a time and requests keep theirs.
        with self.db.read() as conn:
            registrations = registrations_of(conn, notice.user_id)
            if only is not None:
                registrations = [r for r in registrations if r.id == only]
            elif registrations:
                until = self._quiet_until(conn, notice)
                if until is not None:
                    return [], NoticeContext(), until
            if not registrations:
                return [], NoticeContext(), None
            return registrations, _context(conn, notice), None

    def _quiet_until(self, conn: Connection, notice: Notice) -> datetime | None:
        """When the quiet hours the push falls in end (None: not in quiet hours, push now)."""
        prefs = load_prefs(Raw(conn), [notice.user_id]).get(notice.user_id)
        if prefs is None:
            return None
        when = notice.pushed_at or notice.created_at
        at = datetime.fromisoformat(when) if when else datetime.now(UTC)
        return quiet_until(prefs, at, self.default_time_zone)

    async def _send(self, registration: Registration, message: PushMessage, notice: Notice) -> None:
        where = f"registration {registration.id} at {origin_of(registration.endpoint)}"
        sender = self.senders.get(registration.kind)
        if sender is None:
            log.warning("no sender for push kind %r (%s)", registration.kind, where)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        expires = self._clock() + message.ttl_s
        retry = 0
        while True:
            try:
                async with self._slots:
                    await sender.send(registration, message)
            except (EndpointGone, InvalidSubscription) as exc:
                removed = await asyncio.to_thread(forget, self.db, registration)
                log.info("%s; %s %s", exc, where, "removed" if removed else "was already replaced")
                return
            except PushError as exc:
                delay = self.policy.delay(retry, exc.retry_after, self._rng) if exc.retryable else None
                if delay is None or self._clock() + delay > expires:  # no retries left, or it would expire first
                    tries = retry + 1
                    log.warning("%s; gave up on notification %s for %s after %d tries", exc, notice.id, where, tries)
                    return
                log.info("%s; retrying notification %s for %s in %.1f s", exc, notice.id, where, delay)
                await self._sleep(delay)
                retry += 1
            else:
                log.debug("pushed notification %s to %s", notice.id, where)
                return


def _context(conn: Connection, notice: Notice) -> NoticeContext:
    actor_name = task_key = None
    if notice.actor_id:
        actor_name = conn.execute(sa.select(users.c.display_name).where(users.c.id == notice.actor_id)).scalar()
    if notice.task_id:
        found = conn.execute(
            sa.select(projects.c.key, tasks.c.number)
            .join(projects, projects.c.id == tasks.c.project_id)
            .where(tasks.c.id == notice.task_id)
        ).first()
        if found is not None:
            task_key = f"{found[0]}-{found[1]}"
    return NoticeContext(task_key=task_key, actor_name=actor_name)
