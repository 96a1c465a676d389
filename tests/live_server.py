"""Real servers on loopback ports, for tests that need a socket: event streams, several processes.

    with live_server(settings) as url:                 # uvicorn in a thread of this process
        ...
    with server_process(settings, log_path=p) as url:  # `python -m server.serve` in a subprocess
        ...
    with server_processes(db_url, 2) as [a, b]:       # several processes on one database
        ...
    async with open_events(url, person.access_token) as events:
        poke = await events.next_poke()

httpx's ASGI transport holds a streaming body until the app returns, so an event stream needs one
of these. Both bind port 0 and read the port the kernel chose, so parallel runs never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 60.0  # a cold interpreter on a busy 2-core machine is slow to import everything
SHUTDOWN_TIMEOUT_S = 30.0
EVENT_TIMEOUT_S = 20.0
EVENTS_PATH = "/api/v1/sync/events"


# --- uvicorn in a thread -------------------------------------------------------------------------


@contextlib.contextmanager
def live_server(target: FastAPI | Settings | str, **overrides: Any) -> Iterator[str]:
    """Serves `target` with uvicorn in a thread; yields the base URL (`http://127.0.0.1:PORT`).

    `target` is an app (the caller keeps it, e.g. to look at `app.state.services.broker`), settings,
    or a database URL (test settings with `overrides`). An app built here is disposed of on exit.
    Stopping the server ends its event streams for good (`Broker.close_all`): serve an app once.
    """
    from server.app import create_app
    from server.serve import build_server

    owned = not isinstance(target, FastAPI)
    if isinstance(target, FastAPI):
        app = target
    else:
        settings = target if isinstance(target, Settings) else _test_settings(target, **overrides)
        app = create_app(settings)
    # log_config=None: leave logging to pytest (caplog); the token filter is installed all the same.
    server = build_server(app, host="127.0.0.1", port=0, log_level="info", log_config=None, ws="none")
    thread = threading.Thread(target=server.run, name="keel-live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-thread server did not start")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT_S)
        if thread.is_alive():
            server.force_exit = True
            thread.join(SHUTDOWN_TIMEOUT_S)
        if owned:
            app.state.services.db.dispose()


def _test_settings(db_url: str, **overrides: Any) -> Settings:
    from tests.conftest import test_settings

    return test_settings(db_url, **overrides)  # type: ignore[no-any-return]


# --- uvicorn in a subprocess ---------------------------------------------------------------------

_RUNNING = re.compile(r"Uvicorn running on (http://\S+:\d+)")


@contextlib.contextmanager
def server_process(settings: Settings | str, *, log_path: Path | None = None, **overrides: Any) -> Iterator[str]:
    """Runs `python -m server.serve` (the production entry point) on a free port; yields its base URL.

    Settings travel as `KEEL_*` environment variables (a database URL gets test settings with
    `overrides`). The process's stdout and stderr (uvicorn's access and error logs) go to
    `log_path` when given, so a test can read what it logged.
    """
    with server_processes(settings, 1, log_paths=None if log_path is None else [log_path], **overrides) as urls:
        yield urls[0]


@contextlib.contextmanager
def server_processes(
    settings: Settings | str, count: int, *, log_paths: list[Path] | None = None, **overrides: Any
) -> Iterator[list[str]]:
    """`count` server processes on one database, started side by side; yields their base URLs."""
    if isinstance(settings, str):
        settings = _test_settings(settings, **overrides)
    env = {**os.environ, **settings_env(settings, port=0)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    with contextlib.ExitStack() as stack:
        if log_paths is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            log_paths = [folder / f"server-{n}.log" for n in range(count)]
        assert len(log_paths) == count
        procs = []
        for path in log_paths:
            log = stack.enter_context(path.open("wb"))
            proc = subprocess.Popen(
                [sys.executable, "-m", "server.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            stack.callback(_stop, proc)
            procs.append(proc)
        yield [_wait_until_running(proc, path) for proc, path in zip(procs, log_paths, strict=True)]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # SIGTERM: uvicorn shuts down gracefully, ending event streams first
    try:
        proc.wait(SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def settings_env(settings: Settings, **overrides: Any) -> dict[str, str]:
    """`settings` as the environment variables that rebuild them."""
    values = {**settings.model_dump(), **overrides}
    return {f"KEEL_{name.upper()}": str(value) for name, value in values.items() if value is not None}


def _wait_until_running(proc: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        text = log_path.read_text(errors="replace")
        found = _RUNNING.search(text)
        if found:
            return found[1]
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server process did not start (exit {proc.poll()}):\n{text}")
        time.sleep(0.05)


# --- reading an event stream ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    event: str
    data: dict[str, Any]
    id: str | None = None


class EventReader:
    """An open `/sync/events` response, read by a background task into a queue."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if not line:
                    if "event" in fields or "data" in fields:
                        data = orjson.loads(fields.get("data", "{}"))
                        await self._queue.put(Event(fields.get("event", "message"), data, fields.get("id")))
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
            await self._queue.put(None)
        except Exception as exc:  # the test sees it on its next read
            await self._queue.put(exc)

    async def next(self, timeout: float = EVENT_TIMEOUT_S) -> Event | None:
        """The next event, or None when the server ended the stream."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if isinstance(item, BaseException):
            raise item
        return item

    async def next_poke(self, timeout: float = EVENT_TIMEOUT_S) -> Event:
        """The next poke, skipping pings."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            event = await self.next(deadline - asyncio.get_running_loop().time())
            assert event is not None, "the stream ended while waiting for a poke"
            if event.event == "poke":
                return event

    async def poke_reaching(self, cursor: int, timeout: float = EVENT_TIMEOUT_S) -> Event:
        """The first poke whose cursor is at least `cursor` (pokes coalesce, so a later one may come first)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            event = await self.next_poke(deadline - asyncio.get_running_loop().time())
            if event.data["cursor"] >= cursor:
                return event

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.response.aclose()


@contextlib.asynccontextmanager
async def open_events(
    base_url: str, token: str, *, in_query: bool = False, params: dict[str, str] | None = None
) -> AsyncIterator[EventReader]:
    """Opens the event stream (bearer header, or `?access_token=`); it is live once this yields."""
    headers = {"Accept": "text/event-stream"}
    params = dict(params or {})
    if in_query:
        params["access_token"] = token
    else:
        headers["Authorization"] = f"Bearer {token}"
    timeout = httpx.Timeout(EVENT_TIMEOUT_S, read=None)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
        request = client.build_request("GET", EVENTS_PATH, headers=headers, params=params)
        response = await client.send(request, stream=True)
        try:
            if response.status_code != 200:
                await response.aread()
                raise AssertionError(f"events answered {response.status_code}: {response.text}")
            stream = EventReader(response)
            try:
                yield stream
            finally:
                await stream.close()
        finally:
            await response.aclose()
