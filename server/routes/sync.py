"""Pull, push and the event stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from server import json_body, sync_service
from server.db import Database
from server.deps import BearerDep, Principal, ServicesDep, authenticate, session_alive, token_of
from server.errors import ApiError, validation_details
from server.events import EventStream
from server.events_rows import Visibility
from server.json_body import JsonRoute
from server.rawsql import Raw
from server.responses import Json, RawJson
from server.routes.docs import errors
from sync import protocol as p

router = APIRouter(tags=["sync"], route_class=JsonRoute)


@router.get(
    "/sync/pull",
    response_class=RawJson,
    responses={200: {"model": p.PullResponse, "description": "A page of changes"}, **errors(401, 410, 422)},
)
async def pull(
    services: ServicesDep,
    credentials: BearerDep,
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=2**31, description="Clamped to 5000")] = p.DEFAULT_PULL_LIMIT,
    client_id: Annotated[str | None, Query(max_length=100)] = None,
    include: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Keel's extension entities to pull too, comma-separated: `notification_pref`, "
            "`task_event`, `ticket` (with the desk's notification kinds), `sla_policy`. "
            "Without it a pull carries only the shared contract's entities; unknown names are ignored.",
        ),
    ] = None,
    format: Annotated[
        str | None,
        Query(
            max_length=20,
            description="`columns`: the rows as column `tables` instead of `changes` (docs/protocol.md, "
            "Compact pull pages); any other value, or none, gives the shared contract's page.",
        ),
    ] = None,
) -> RawJson:
    limit = min(limit, p.MAX_PULL_LIMIT)
    token = token_of(credentials)
    extensions = sync_service.included_extensions(include)
    compact = format == "columns"

    def work() -> bytes:  # one trip to the thread pool: authenticate, then read
        user = authenticate(services, token)
        return sync_service.pull(services.db, user.id, cursor, limit, client_id, include=extensions, compact=compact)

    return RawJson(await run_in_threadpool(work))


def parse_push(raw: bytes) -> p.PushRequest:
    data = json_body.loads(raw)
    mutations = data.get("mutations") if isinstance(data, dict) else None
    if isinstance(mutations, list) and len(mutations) > p.MAX_MUTATIONS_PER_PUSH:
        raise ApiError(413, "too_many_mutations", f"Send at most {p.MAX_MUTATIONS_PER_PUSH} mutations in one push.")
    try:
        return p.PushRequest.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            422, "validation_error", "The push envelope is invalid.", validation_details(exc.errors(include_url=False))
        ) from None


_PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequestDocumented"}}},
    }
}


@router.post(
    "/sync/push",
    response_model=p.PushResponse,
    responses=errors(400, 401, 409, 413, 422),
    openapi_extra=_PUSH_BODY,
)
async def push(request: Request, services: ServicesDep, credentials: BearerDep) -> Json:
    raw = await request.body()
    token = token_of(credentials)

    def work() -> dict[str, object]:  # one trip to the thread pool: authenticate, parse, apply
        user = authenticate(services, token)
        req = parse_push(raw)
        return sync_service.push(
            services.db, user.id, req.client_id, req.mutations, services.broker.publish, services.push.gateway
        )

    return Json(await run_in_threadpool(work))


@router.get(
    "/sync/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`poke` and `ping` events until the client leaves"},
        **errors(401),
    },
)
async def events(
    request: Request,
    services: ServicesDep,
    access_token: Annotated[str | None, Query(description="For clients that cannot send headers; never logged")] = None,
    changes: Annotated[
        bool,
        Query(
            description="Pokes carry the commit's rows this user may see, with `from`, when they can "
            "(docs/protocol.md, Changes on the event stream). Without it pokes carry only `cursor`."
        ),
    ] = False,
    include: Annotated[
        str | None, Query(max_length=500, description="With `changes`: the extension entities, as for a pull")
    ] = None,
) -> EventStream:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else access_token
    extensions = sync_service.included_extensions(include)

    def sign_in() -> tuple[Principal, Visibility | None]:  # one trip to the thread pool
        user = authenticate(services, token)
        return user, read_visibility(services.db, user.id, extensions) if changes else None

    user, visibility = await run_in_threadpool(sign_in)

    async def still_signed_in() -> bool:
        return await run_in_threadpool(session_alive, services, user)

    async def reread() -> Visibility:
        return await run_in_threadpool(read_visibility, services.db, user.id, extensions)

    stream = (visibility, reread) if visibility is not None else None
    ping_s = services.settings.ping_interval_s
    return EventStream(services.broker, user.id, ping_s, still_signed_in, stream, user.family_id)


def read_visibility(db: Database, user_id: str, include: frozenset[str]) -> Visibility:
    """What a stream's pokes may carry: the scopes this user's pull reads (the pull's own filter)."""
    # The counter first: on PostgreSQL each statement has its own snapshot, so the memberships read
    # next are at least as new as `seq`, never older.
    with db.read() as conn:
        raw = Raw(conn)
        seq = int(raw.scalar("SELECT value FROM counters WHERE name = 'seq'"))
        _, scopes = sync_service.visible_scopes(raw, user_id, include)
    return Visibility(frozenset(scopes), seq)
