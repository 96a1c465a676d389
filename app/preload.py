"""The app's heavy modules, loaded in a thread while Flet's server starts and the browser fetches
and starts its client: on this machine that is a second or more in which Python would otherwise
wait. The first session awaits `ready()` before it needs them (`app.main`).

The store (through SQLAlchemy), the sync engine (httpx), every screen and Flet's controls take
most of a cold start; imported one after the other, the server answered only after all of them.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import socket
import threading
import time

log = logging.getLogger("keel.app")

# In the order the first frame needs them; the last ones only later.
MODULES = (
    "app.core",
    "app.tokens",
    "app.ui.session",
    "app.ui.tab",
    "app.ui.shell",
    "app.deeplink",
    "app.reminders",
    "app.notify",
)

_done = threading.Event()
_started = threading.Lock()
_thread: threading.Thread | None = None


def _wait_for(address: tuple[str, int] | None, timeout: float = 30.0) -> None:
    """Waits until the web server listens: importing meanwhile would slow its own start (one GIL)."""
    deadline = time.monotonic() + timeout
    while address is not None and time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=1).close()
            return
        except OSError:
            time.sleep(0.01)


def _load(address: tuple[str, int] | None) -> None:
    try:
        _wait_for(address)
        for name in MODULES:
            importlib.import_module(name)
    except Exception:  # the session imports them again and shows the real error there
        log.warning("preloading the app's modules failed", exc_info=True)
    finally:
        _done.set()


def start(after: tuple[str, int] | None = None) -> None:
    """Starts loading the modules in the background (once); with `after` (host, port), once the web
    server there accepts connections, while the browser fetches the client from it."""
    global _thread
    with _started:
        if _thread is None:
            _thread = threading.Thread(target=_load, args=(after,), name="keel-preload", daemon=True)
            _thread.start()


async def ready() -> None:
    """Returns once the modules are loaded, without holding up Flet's event loop meanwhile."""
    start()
    if not _done.is_set():
        await asyncio.to_thread(_done.wait)
