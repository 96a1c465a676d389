"""The app's heavy modules, loaded in a thread while Flet's server starts and the browser fetches
and starts its client: on this machine that is a second or more in which Python would otherwise
wait. The first session awaits `ready()` before it needs them (`app.main`).

The store, the sync engine (httpx) and Flet's controls take most of a cold start; imported one
after the other, the server answered only after all of them. The screens are not among them: the
registry (`app.ui.screens`) imports a screen's module when it is first drawn and the task detail
(`app.ui.detail`) when a task first opens, so the first frame (sign-in, or home) waits only for
`MODULES`. `warm` then imports the rest in the background, the board first, so that opening it does
not wait for its import either (docs/benchmarks.md, "Start-up").
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import socket
import sys
import threading
import time

log = logging.getLogger("keel.app")

# What the first session needs before its first frame (app.main, `App.session`), in that order.
# The `flet.` ones are Flet's modules that the session would otherwise import on the event loop:
# `ft.Theme` imports `flet.controls.theme` (and most material controls with it, a second of a cold
# start), the first render the components' runtime, the event classes and the buttons.
MODULES = (
    "app.core",
    "flet.controls.theme",
    "flet.components.component",
    "flet.controls.events",
    "flet.controls.material.button",
    "app.tokens",
    "app.ui.session",
    "app.ui.tab",
    "app.ui.shell",
    "app.ui.screens.home",
    "app.deeplink",
    "app.reminders",
    "app.notify",
)
# Warmed after the first frame, before the other screens: what opening the board and a task imports.
FIRST_OPENED = ("app.ui.screens.board", "app.ui.detail.view")
WARM_AFTER_S = 0.5  # the first frame is queued when `warm` is called; its send and the client's draw go first

_done = threading.Event()
_started = threading.Lock()
_thread: threading.Thread | None = None
_warming: threading.Thread | None = None


def _wait_for(address: tuple[str, int] | None, timeout: float = 30.0) -> None:
    """Waits until the web server listens: importing meanwhile would slow its own start (one GIL)."""
    deadline = time.monotonic() + timeout
    while address is not None and time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=1).close()
            return
        except OSError:
            time.sleep(0.01)


def skip_httpx_cli() -> None:
    """httpx's package imports its command line (`httpx._main`), and with it rich and pygments where
    they are installed, as here for the tests' tools: the better part of a second of a cold start
    for a command the app never runs. With its module marked absent, httpx defines the stand-in it
    has for an install without them (its `main` says what is missing). The process's own httpx only."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "not importable"


def _load(address: tuple[str, int] | None) -> None:
    try:
        skip_httpx_cli()
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


def _warm(delay: float) -> None:
    time.sleep(delay)
    from app.ui.screens import SCREENS

    for name in (*FIRST_OPENED, *(screen.module for screen in SCREENS)):
        try:
            importlib.import_module(name)
        except Exception:  # drawing that screen imports it again and shows the real error there
            log.warning("warming %s failed", name, exc_info=True)


def warm(delay: float = WARM_AFTER_S) -> None:
    """Imports every screen's module (the board and the task detail first) in the background, once,
    `delay` seconds from now: called when the first frame has been handed to Flet, so that the
    screens a person opens next are imported before they are opened and without holding up that frame.
    """
    global _warming
    with _started:
        if _warming is None:
            _warming = threading.Thread(target=_warm, args=(delay,), name="keel-warm", daemon=True)
            _warming.start()


async def ready() -> None:
    """Returns once the modules are loaded, without holding up Flet's event loop meanwhile."""
    start()
    if not _done.is_set():
        await asyncio.to_thread(_done.wait)
