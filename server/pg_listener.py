"""PostgreSQL LISTEN: pokes committed by any server process reach this process's event streams."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson
import psycopg
from sqlalchemy.engine import make_url

from server.db import POKE_CHANNEL
from server.events import Broker
from server.events_rows import commit_from_payload
from server.models import Counter

if TYPE_CHECKING:
    from server.deps import Services

log = logging.getLogger("keel.events")

# How long the connection may stay silent before a round trip checks it is still alive.
HEALTH_CHECK_S = 30.0
APPLICATION_NAME = "keel-poke-listener"  # how the listener shows in pg_stat_activity
_SEQ_QUERY = f"SELECT value FROM {Counter.__tablename__} WHERE name = 'seq'"


def _dsn(url: str) -> str:
    # SQLAlchemy URLs name the driver; libpq does not.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def deliver(broker: Broker, payload: str, origin: str | None = None) -> None:
    """Hands one NOTIFY payload (see `Database.notify_in_tx`) to this process's subscribers, unless
    it is of a commit this process (`origin`) made and published itself, rows and all."""
    try:
        data = orjson.loads(payload)
        if "end_family" in data:
            broker.end_family(str(data["end_family"]))
            return
        if origin is not None and data.get("origin") == origin:
            return
        users = None if data.get("all") else {str(u) for u in data.get("users", [])}
        cursor = int(data["cursor"])
        broker.publish(users, cursor, commit_from_payload(data, cursor))
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        log.warning("ignored a malformed poke")


async def listen_for_pokes(services: Services, ready: asyncio.Event | None = None) -> None:
    """Listens until cancelled, reconnecting with backoff. `ready` is set once LISTEN is in place."""
    backoff = 0.5
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(
                _dsn(services.db.url), autocommit=True, connect_timeout=10, application_name=APPLICATION_NAME
            )
            async with conn:
                await conn.execute(f"LISTEN {POKE_CHANNEL}")
                # Commits made while nobody listened (before startup, or while reconnecting) sent their
                # NOTIFY to no one: poke every stream with the current cursor so each client pulls once.
                row = await (await conn.execute(_SEQ_QUERY)).fetchone()
                if row is not None:
                    services.broker.publish(None, int(row[0]))
                backoff = 0.5
                if ready is not None:
                    ready.set()
                while True:
                    async for note in conn.notifies(timeout=HEALTH_CHECK_S):
                        deliver(services.broker, note.payload, services.db.origin)
                    await conn.execute("SELECT 1")  # a connection lost without a word fails here
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lost the PostgreSQL listener; reconnecting in %.1f s", backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)


async def start_listener(services: Services, timeout: float = 30.0) -> asyncio.Task[None]:
    """Starts the listener and waits (up to `timeout`) until it listens, so no early stream misses a poke."""
    ready = asyncio.Event()
    task = asyncio.create_task(listen_for_pokes(services, ready), name="keel-poke-listener")
    try:
        await asyncio.wait_for(ready.wait(), timeout)
    except TimeoutError:
        log.warning("the PostgreSQL listener is not up after %.0f s; it keeps trying", timeout)
    return task
