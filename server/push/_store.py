"""Push registrations in the database: per user and per device, visible to their owner only."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.db import Database
from server.feed import iso
from server.push._gateway import Registration
from server.tables import push_endpoints as endpoints
from server.tables import token_families as families

# A person's devices, and then some: beyond this the least recently registered endpoints are dropped.
MAX_PER_USER = 20


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the owner sees of a registration: never its keys or token."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "endpoint": row["endpoint"],
        "device_id": row["device_id"],
        "locale": row["locale"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def register(
    db: Database,
    *,
    user_id: str,
    family_id: str,
    kind: str,
    endpoint: str,
    p256dh: str | None = None,
    auth: str | None = None,
    token: str | None = None,
    locale: str | None = None,
    device_id: str | None,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Stores a registration; returns it and whether it is new (else the same endpoint was refreshed).

    A subscription belongs to one user: registering an endpoint another user had moves it (the device
    changed hands, and must not keep receiving the previous user's notifications). A device has one
    endpoint per user: a new one from the same `device_id` replaces the old.
    """
    digest = endpoint_hash(endpoint)
    values = {
        "kind": kind,
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "token": token,
        "locale": locale,
        "device_id": device_id,
        "family_id": family_id,
    }
    with db.write() as conn:
        found = conn.execute(sa.select(endpoints).where(endpoints.c.endpoint_hash == digest)).mappings().first()
        if found is not None and found["user_id"] == user_id:
            _drop_device(conn, user_id, device_id, keep=found["id"])
            conn.execute(endpoints.update().where(endpoints.c.id == found["id"]).values(**values, updated_at=now))
            return {**found, **values, "updated_at": now}, False
        if found is not None:
            conn.execute(endpoints.delete().where(endpoints.c.id == found["id"]))
        _drop_device(conn, user_id, device_id, keep=None)
        row = {
            "id": str(uuid.uuid4()),
            "user_id": user_id,
            "endpoint_hash": digest,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        conn.execute(endpoints.insert().values(**row))
        _prune(conn, user_id)
    return row, True


def _drop_device(conn: Connection, user_id: str, device_id: str | None, keep: str | None) -> None:
    if device_id is None:
        return
    query = endpoints.delete().where(endpoints.c.user_id == user_id, endpoints.c.device_id == device_id)
    if keep is not None:
        query = query.where(endpoints.c.id != keep)
    conn.execute(query)


def _prune(conn: Connection, user_id: str) -> None:
    stale = (
        sa.select(endpoints.c.id)
        .where(endpoints.c.user_id == user_id)
        .order_by(endpoints.c.updated_at.desc(), endpoints.c.id)
        .offset(MAX_PER_USER)
    )
    ids = list(conn.execute(stale).scalars())
    if ids:
        conn.execute(endpoints.delete().where(endpoints.c.id.in_(ids)))


def list_mine(db: Database, user_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(endpoints).where(endpoints.c.user_id == user_id).order_by(endpoints.c.created_at, endpoints.c.id)
        ).mappings()
        return [public(dict(r)) for r in rows]


def delete_mine(db: Database, user_id: str, registration_id: str) -> bool:
    """Removes one of the user's registrations; False if it is not theirs (or does not exist)."""
    with db.write() as conn:
        result = conn.execute(
            endpoints.delete().where(endpoints.c.id == registration_id, endpoints.c.user_id == user_id)
        )
        return bool(result.rowcount)


def registrations_of(conn: Connection, user_id: str) -> list[Registration]:
    """The user's endpoints whose sign-in still stands."""
    c = endpoints.c
    rows = conn.execute(
        sa.select(c.id, c.user_id, c.kind, c.endpoint, c.p256dh, c.auth, c.token, c.locale)
        .join(families, families.c.id == c.family_id)
        .where(c.user_id == user_id, families.c.revoked.is_(False))
    ).all()
    return [Registration(r.id, r.user_id, r.kind, r.endpoint, r.p256dh, r.auth, r.token, r.locale) for r in rows]


def forget(db: Database, registration: Registration) -> bool:
    """Removes a dead endpoint, unless it was registered again since (then its keys or token may be new)."""
    with db.write() as conn:
        result = conn.execute(
            endpoints.delete().where(
                endpoints.c.id == registration.id,
                endpoints.c.endpoint_hash == endpoint_hash(registration.endpoint),
                endpoints.c.p256dh.is_not_distinct_from(registration.p256dh),
                endpoints.c.token.is_not_distinct_from(registration.token),
            )
        )
        return bool(result.rowcount)
