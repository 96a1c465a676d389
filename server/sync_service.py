"""Push and pull: the LMID rules, one savepoint per mutation, and the permission-filtered feed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from server.db import Database
from server.errors import ApiError, MutationRejected, validation_details
from server.feed import Tx, private_scope, project_scope, user_scope, utcnow
from server.models import ClientState, Counter, FeedRow, Member, Revocation
from server.mutations import HANDLERS, Ctx
from sync.protocol import MUTATION_ARGS, Mutation

log = logging.getLogger("keel.server")

clients = ClientState.__table__  # type: ignore[attr-defined]
counters = Counter.__table__  # type: ignore[attr-defined]
feed = FeedRow.__table__  # type: ignore[attr-defined]
members = Member.__table__  # type: ignore[attr-defined]
revocations = Revocation.__table__  # type: ignore[attr-defined]

Poke = Callable[[set[str], int], None]


def _client_lmid(conn: Connection, user_id: str, client_id: str) -> int | None:
    return conn.execute(
        sa.select(clients.c.last_mutation_id).where(clients.c.user_id == user_id, clients.c.client_id == client_id)
    ).scalar_one_or_none()


def apply_one(ctx: Ctx, m: Mutation) -> dict[str, Any]:
    """Applies one mutation inside a savepoint; anything that goes wrong rejects only this one."""
    result: dict[str, Any] = {"mutation_id": m.mutation_id}
    handler = HANDLERS.get(m.name)
    if handler is None:
        result["status"] = "rejected"
        result["error"] = {"code": "unknown_mutation", "message": f"The server does not know the mutation {m.name!r}."}
        return result
    try:
        args = MUTATION_ARGS[m.name].model_validate(m.args)
    except ValidationError as exc:
        result["status"] = "rejected"
        result["error"] = {
            "code": "validation_error",
            "message": "Some fields of this change are missing or invalid.",
            "details": validation_details(exc.errors(include_url=False)),
        }
        return result
    state = ctx.tx.savepoint_state()
    savepoint = ctx.conn.begin_nested()
    try:
        handler(ctx, args)
        savepoint.commit()
        result["status"] = "applied"
    except MutationRejected as exc:
        savepoint.rollback()
        ctx.tx.restore(state)
        ctx.forget_roles()
        result["status"] = "rejected"
        result["error"] = exc.body()
    except Exception:  # a bug must not jam the client's outbox: reject this one and say so
        log.exception("mutation %s failed", m.name)
        savepoint.rollback()
        ctx.tx.restore(state)
        ctx.forget_roles()
        result["status"] = "rejected"
        result["error"] = {"code": "internal_error", "message": "The server failed to apply this change."}
    return result


def push(db: Database, user_id: str, client_id: str, mutations: list[Mutation], poke: Poke) -> dict[str, Any]:
    with db.write() as conn:
        tx = Tx(conn)
        known = _client_lmid(conn, user_id, client_id)
        lmid = known or 0
        expected = lmid + 1
        for m in mutations:
            if m.mutation_id > expected:
                raise ApiError(
                    409,
                    "out_of_order",
                    f"Mutation {m.mutation_id} arrived before {expected}; resend from {expected}.",
                    [{"last_mutation_id": lmid}],
                )
            expected = max(expected, m.mutation_id + 1)
        ctx = Ctx(tx, user_id, utcnow())
        results = []
        for m in mutations:
            if m.mutation_id <= lmid:
                results.append({"mutation_id": m.mutation_id, "status": "duplicate"})
                continue
            results.append(apply_one(ctx, m))
            lmid = m.mutation_id
        if known is None:
            conn.execute(clients.insert().values(user_id=user_id, client_id=client_id, last_mutation_id=lmid))
        elif lmid != known:
            conn.execute(
                clients.update()
                .where(clients.c.user_id == user_id, clients.c.client_id == client_id)
                .values(last_mutation_id=lmid)
            )
        audience = tx.finish()
        cursor = tx.seq
        changed = tx.changed
        if changed and not db.sqlite:
            db.notify_in_tx(conn, audience, cursor)
    if changed:
        poke(audience, cursor)
    return {"last_mutation_id": lmid, "results": results}


def visible_scopes(conn: Connection, user_id: str) -> tuple[list[str], list[str]]:
    """The user's live projects, and every scope of the feed they may read."""
    projects = list(
        conn.execute(
            sa.select(members.c.project_id).where(members.c.user_id == user_id, members.c.deleted.is_(False))
        ).scalars()
    )
    people = {user_id}
    if projects:
        people.update(
            conn.execute(
                sa.select(members.c.user_id)
                .where(members.c.project_id.in_(projects), members.c.deleted.is_(False))
                .distinct()
            ).scalars()
        )
    scopes = [project_scope(p) for p in projects] + [private_scope(user_id)] + [user_scope(u) for u in people]
    return projects, scopes


def pull(db: Database, user_id: str, cursor: int, limit: int, client_id: str | None) -> bytes:
    """One pull page, assembled from pre-serialised rows without parsing them."""
    with db.read() as conn:
        current = int(conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar_one())
        if cursor > current:
            raise ApiError(410, "cursor_expired", "This cursor is unknown to the server; pull again from 0.")
        projects, scopes = visible_scopes(conn, user_id)
        window = sa.and_(feed.c.seq > cursor, feed.c.seq <= current, feed.c.scope.in_(scopes))
        rows = conn.execute(
            sa.select(feed.c.entity, feed.c.seq, feed.c.body).where(window).order_by(feed.c.seq).limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        if has_more:
            rows = rows[:limit]
            new_cursor = int(rows[-1][1])
            remaining = int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(feed)
                    .where(feed.c.seq > new_cursor, feed.c.seq <= current, feed.c.scope.in_(scopes))
                ).scalar_one()
            )
        else:
            new_cursor, remaining = current, 0
        revoked_query = sa.select(revocations.c.project_id).where(
            revocations.c.user_id == user_id, revocations.c.seq > cursor, revocations.c.seq <= new_cursor
        )
        if projects:
            revoked_query = revoked_query.where(revocations.c.project_id.notin_(projects))
        revoked = sorted(set(conn.execute(revoked_query).scalars()))
        lmid = _client_lmid(conn, user_id, client_id) if client_id else None
    parts = [
        b'{"cursor":%d,"has_more":%s,"remaining":%d,"last_mutation_id":%d,"changes":['
        % (new_cursor, b"true" if has_more else b"false", remaining, lmid or 0)
    ]
    changes = [
        '{"entity":"%s","seq":%d,"row":{"seq":%d,%s}' % (entity, seq, seq, body[1:]) for entity, seq, body in rows
    ]
    parts.append(",".join(changes).encode())
    parts.append(b'],"revoked_projects":' + orjson.dumps(revoked) + b"}")
    return b"".join(parts)
