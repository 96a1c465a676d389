"""Push and pull: the LMID rules, one savepoint per mutation, and the permission-filtered feed."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import ValidationError

from server.db import Database
from server.errors import ApiError, MutationRejected, validation_details
from server.events_rows import Commit, commit_of
from server.feed import (
    Tx,
    compact_tables,
    extension_scope,
    kind_scopes,
    private_scope,
    project_scope,
    user_scope,
    utcnow,
)
from server.mutations import HANDLERS, Ctx
from server.push import PushGateway, created_notices, hand_over
from server.rawsql import QueuedWriteFailed, Raw, in_params
from server.tables import tasks, tickets
from sync.entities import EXTENSION_ENTITIES, REGISTRY
from sync.protocol import MUTATION_ARGS, Mutation

log = logging.getLogger("keel.server")


Poke = Callable[[set[str], int, Commit], None]


def _client_lmid(raw: Raw, user_id: str, client_id: str) -> int | None:
    return raw.scalar(  # type: ignore[no-any-return]
        "SELECT last_mutation_id FROM clients WHERE user_id = :u AND client_id = :c", {"u": user_id, "c": client_id}
    )


def _earlier_rejections(raw: Raw, user_id: str, client_id: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    marks, params = in_params("m", ids)
    rows = raw.execute(
        f"SELECT mutation_id, error FROM rejected_mutations WHERE user_id = :u AND client_id = :c "
        f"AND mutation_id IN ({marks})",
        {**params, "u": user_id, "c": client_id},
    ).fetchall()
    return {int(mid): orjson.loads(error) for mid, error in rows}


def _duplicate(mutation_id: int, error: dict[str, Any] | None) -> dict[str, Any]:
    """A resent mutation: skipped. If it was rejected, the answer repeats why (the first answer may be lost)."""
    result: dict[str, Any] = {"mutation_id": mutation_id, "status": "duplicate"}
    if error is not None:
        result["error"] = error
    return result


def apply_one(ctx: Ctx, m: Mutation) -> dict[str, Any]:
    """Applies one mutation inside a savepoint; anything that goes wrong rejects only this one."""
    try:
        handler = HANDLERS[m.name]
    except KeyError:
        return _rejected(m, MutationRejected("unknown_mutation", f"The server does not know the mutation {m.name!r}."))
    try:
        args = MUTATION_ARGS[m.name].model_validate(m.args)
    except ValidationError as exc:
        details = validation_details(exc.errors(include_url=False))
        return _rejected(
            m, MutationRejected("validation_error", "Some fields of this change are missing or invalid.", details)
        )
    state = ctx.tx.savepoint_state()
    savepoint = ctx.raw.savepoint()
    try:
        handler(ctx, args)
    except MutationRejected as exc:
        rejection = exc
    except QueuedWriteFailed:
        raise  # an earlier mutation's write: the push cannot say whose, so none of it commits
    except Exception:  # a bug must not jam the client's outbox: reject this one and say so
        log.exception("mutation %s failed", m.name)
        rejection = MutationRejected("internal_error", "The server failed to apply this change.")
    else:
        ctx.raw.release(savepoint)
        return {"mutation_id": m.mutation_id, "status": "applied"}
    ctx.raw.rollback_to(savepoint)
    ctx.tx.restore(state)
    ctx.forget_roles()
    return _rejected(m, rejection)


def _rejected(m: Mutation, rejection: MutationRejected) -> dict[str, Any]:
    return {"mutation_id": m.mutation_id, "status": "rejected", "error": rejection.body()}


_TASK_BY_ID = frozenset({"task.update", "task.delete"})


def _read_ahead(raw: Raw, mutations: list[Mutation]) -> None:
    """One SELECT for the tasks (and their tickets) that a push's task updates and deletes read
    first, instead of two per mutation; the rules still run one mutation at a time."""
    ids = []
    for m in mutations:
        row_id = m.args.get("id") if m.name in _TASK_BY_ID else None
        if isinstance(row_id, str):
            with contextlib.suppress(ValueError):
                ids.append(str(uuid.UUID(row_id)))  # as the handlers ask for it
    if ids:
        raw.prefetch(tasks, ids)
        raw.prefetch(tickets, ids)


def push(
    db: Database,
    user_id: str,
    client_id: str,
    mutations: list[Mutation],
    poke: Poke,
    gateway: PushGateway | None = None,
) -> dict[str, Any]:
    """Applies a push in one transaction; after it commits, pokes the audience and hands new notifications to push."""
    with db.write() as conn:
        tx = Tx(conn)
        tx.raw.defer()
        start_seq = tx.seq
        known = _client_lmid(tx.raw, user_id, client_id)
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
        _read_ahead(tx.raw, [m for m in mutations if m.mutation_id > lmid])
        earlier = _earlier_rejections(
            tx.raw, user_id, client_id, [m.mutation_id for m in mutations if m.mutation_id <= lmid]
        )
        results: list[dict[str, Any]] = []
        for m in mutations:
            if m.mutation_id <= lmid:
                results.append(_duplicate(m.mutation_id, earlier.get(m.mutation_id)))
                continue
            result = apply_one(ctx, m)
            if result["status"] == "rejected":
                earlier[m.mutation_id] = result["error"]  # the same id again in this batch repeats why
                tx.raw.execute(
                    "INSERT INTO rejected_mutations (user_id, client_id, mutation_id, error) VALUES (:u, :c, :m, :e)",
                    {"u": user_id, "c": client_id, "m": m.mutation_id, "e": orjson.dumps(result["error"]).decode()},
                )
            results.append(result)
            lmid = m.mutation_id
        client = {"u": user_id, "c": client_id, "l": lmid}
        if known is None:
            tx.raw.execute("INSERT INTO clients (user_id, client_id, last_mutation_id) VALUES (:u, :c, :l)", client)
        elif lmid != known:
            tx.raw.execute("UPDATE clients SET last_mutation_id = :l WHERE user_id = :u AND client_id = :c", client)
        notices = created_notices(tx, start_seq) if gateway is not None else []
        audience = tx.finish()
        cursor = tx.seq
        changed = tx.changed
        commit = commit_of(tx.raw, start_seq, cursor, bool(tx.extra_users)) if changed else None
        if commit is not None and not db.sqlite:
            db.notify_in_tx(conn, audience, cursor, commit)
    if commit is not None:
        poke(audience, cursor, commit)
    hand_over(gateway, notices)
    return {"last_mutation_id": lmid, "results": results}


def visible_scopes(raw: Raw, user_id: str, include: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """The user's live projects, and every scope of the feed they may read (with the extension
    entities in `include`)."""
    live = {"u": user_id, "f": False}
    projects = [
        r[0] for r in raw.execute("SELECT project_id FROM members WHERE user_id = :u AND deleted = :f", live).fetchall()
    ]
    people = {user_id}
    if projects:
        marks, params = in_params("p", projects)
        people.update(
            r[0]
            for r in raw.execute(
                f"SELECT DISTINCT user_id FROM members WHERE project_id IN ({marks}) AND deleted = :f",
                {**params, "f": False},
            ).fetchall()
        )
    scopes = [project_scope(p) for p in projects] + [private_scope(user_id)] + [user_scope(u) for u in people]
    for entity in sorted(include):
        owners = projects if REGISTRY[entity].scope == "project" else [user_id]
        scopes += [extension_scope(entity, owner) for owner in owners]
    return projects, scopes + kind_scopes(include, user_id)


def included_extensions(include: str | None) -> frozenset[str]:
    """The extension entities a pull's `include` names; names this server does not know are ignored,
    so a client may ask a server older (or newer) than itself."""
    names = {name.strip() for name in (include or "").split(",")}
    return frozenset(names & set(EXTENSION_ENTITIES))


def pull(
    db: Database,
    user_id: str,
    cursor: int,
    limit: int,
    client_id: str | None,
    include: frozenset[str] = frozenset(),
    compact: bool = False,
) -> bytes:
    """One pull page, assembled from pre-serialised rows without parsing them.

    Rows of extension entities come only when `include` names them: a client written to the shared
    contract never meets them, and its pulls (cursor, `remaining` and all) are what they always were.
    """
    with db.read() as conn:
        raw = Raw(conn)
        current = int(raw.scalar("SELECT value FROM counters WHERE name = 'seq'"))
        if cursor > current:
            raise ApiError(410, "cursor_expired", "This cursor is unknown to the server; pull again from 0.")
        rows: list[Any] = []
        revoked: list[str] = []
        new_cursor, remaining, has_more = current, 0, False
        if cursor < current:  # else nothing can have changed, revocations included
            projects, scopes = visible_scopes(raw, user_id, include)
            marks, params = in_params("s", scopes)
            # Walk the feed in seq order and filter by scope. On SQLite, NOT INDEXED keeps the planner
            # on the seq (rowid) range: through the scope index it would sort every remaining row for
            # each page, which makes a bootstrap quadratic.
            table = "feed NOT INDEXED" if raw.sqlite else "feed"
            rows = raw.execute(
                f"SELECT entity, seq, body FROM {table} WHERE seq > :c AND seq <= :cur AND scope IN ({marks}) "
                "ORDER BY seq LIMIT :n",
                {**params, "c": cursor, "cur": current, "n": limit + 1},
            ).fetchall()
            has_more = len(rows) > limit
            if has_more:
                rows = rows[:limit]
                new_cursor = int(rows[-1][1])
                remaining = int(
                    raw.scalar(
                        f"SELECT count(*) FROM feed WHERE seq > :c AND seq <= :cur AND scope IN ({marks})",
                        {**params, "c": new_cursor, "cur": current},
                    )
                )
            lost = raw.execute(
                "SELECT DISTINCT project_id FROM revocations WHERE user_id = :u AND seq > :c AND seq <= :n",
                {"u": user_id, "c": cursor, "n": new_cursor},
            ).fetchall()
            revoked = sorted({r[0] for r in lost} - set(projects))
        # A client id holding NUL was never stored (push refuses it) and PostgreSQL cannot compare it.
        lmid = _client_lmid(raw, user_id, client_id) if client_id and "\x00" not in client_id else None
    head = b'{"cursor":%d,"has_more":%s,"remaining":%d,"last_mutation_id":%d,' % (
        new_cursor,
        b"true" if has_more else b"false",
        remaining,
        lmid or 0,
    )
    if compact:
        tables = compact_tables(rows)  # `changes` stays, empty: the page keeps the v1 shape
        return head + b'"changes":[],"tables":' + tables + b',"revoked_projects":' + orjson.dumps(revoked) + b"}"
    parts = [head + b'"changes":[']
    changes = [f'{{"entity":"{entity}","seq":{seq},"row":{{"seq":{seq},{body[1:]}}}' for entity, seq, body in rows]
    parts.append(",".join(changes).encode())
    parts.append(b'],"revoked_projects":' + orjson.dumps(revoked) + b"}")
    return b"".join(parts)
