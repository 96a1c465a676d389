"""One page session (a desktop window, or one browser tab of `keel app --web`) as the rest of the
app sees it.

Flet schedules a component's re-render on the session of the *calling* context, not the one that
owns the component: a store change made by the sync engine (whose task was started by the first
tab) or by another tab would redraw this tab's controls through the wrong session, so this tab
never showed it. And a tab that is gone has no connection: calling into its page raises. So every
callback from outside the session (the store, the sync status, reminders, notifications) reaches
it through `Tab.deliver`, which runs it in this session's own context, drops it while the tab is
disconnected, and logs (never raises) a failure; `Tab.listen` subscribes that way and `close()`
unsubscribes everything at once when the session ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("keel.app")

Subscribe = Callable[[Callable[..., None]], Callable[[], None]]


class Tab:
    """Made inside the session's own context (its `main`), on the app's event loop."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.loop = asyncio.get_running_loop()
        self.context = contextvars.copy_context()  # Flet's current page is this one in here
        self.closed = False
        self.paused = False  # disconnected: the tab may come back (a reload is a new session)
        self._unsubscribes: list[Callable[[], None]] = []

    @property
    def connected(self) -> bool:
        if self.closed or self.paused:
            return False
        try:
            return self.page.session.connection is not None
        except RuntimeError:  # the session was destroyed
            return False

    def deliver(self, fn: Callable[..., Any], *args: Any) -> None:
        """Calls `fn(*args)` soon, in this session's context; nothing once it is gone."""
        if not self.closed:
            self.loop.call_soon_threadsafe(self._run, fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if not self.connected:
            return
        try:
            self.context.run(fn, *args)
        except Exception:
            log.exception("a callback for a window failed (%r); the others go on", fn)

    def listen(self, subscribe: Subscribe, listener: Callable[..., None]) -> Callable[[], None]:
        """`subscribe(listener)`, with each call delivered to this session; returns an unsubscribe."""
        unsubscribe = subscribe(lambda *args: self.deliver(listener, *args))
        self._unsubscribes.append(unsubscribe)

        def stop() -> None:
            unsubscribe()
            if unsubscribe in self._unsubscribes:
                self._unsubscribes.remove(unsubscribe)

        return stop

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Runs `cleanup` when the session ends (after the subscriptions are gone)."""
        self._unsubscribes.append(cleanup)

    def close(self) -> None:
        """The session ended: every subscription made through this tab stops."""
        self.closed = True
        while self._unsubscribes:
            stop = self._unsubscribes.pop()
            try:
                stop()
            except Exception:
                log.exception("unsubscribing a closed window failed")
