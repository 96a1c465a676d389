"""PostgreSQL LISTEN: pokes committed by any server process reach this process's event streams."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson
import psycopg

from server.db import POKE_CHANNEL

if TYPE_CHECKING:
    from server.deps import Services

log = logging.getLogger("keel.events")


def _dsn(url: str) -> str:
    # SQLAlchemy URLs name the driver; libpq does not.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


async def listen_for_pokes(services: Services, ready: asyncio.Event | None = None) -> None:
    backoff = 0.5
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(_dsn(services.db.url), autocommit=True)
            async with conn:
                await conn.execute(f"LISTEN {POKE_CHANNEL}")
                backoff = 0.5
                if ready is not None:
                    ready.set()
                async for note in conn.notifies():
                    try:
                        payload = orjson.loads(note.payload)
                        users = None if payload.get("all") else set(payload.get("users", []))
                        services.broker.publish(users, int(payload["cursor"]))
                    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                        log.warning("ignored a malformed poke")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lost the PostgreSQL listener; reconnecting")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
