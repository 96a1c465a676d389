"""Push endpoints: a device registers where to push its user's notifications while its app is closed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from server.deps import CurrentUser, ServicesDep
from server.errors import ApiError
from server.feed import iso, utcnow
from server.json_body import JsonRoute
from server.push._gateway import Notice
from server.push._schemas import (
    PushEndpointCreate,
    PushEndpointList,
    PushEndpointPublic,
    PushTestQueued,
    VapidPublic,
    WebPushEndpointCreate,
)
from server.push._store import delete_mine, list_mine, public, register
from server.push._validate import check_endpoint, check_p256dh
from server.responses import Json
from server.routes.docs import errors

router = APIRouter(tags=["push"], route_class=JsonRoute)


@router.get("/push/vapid", response_model=VapidPublic, responses=errors(401))
async def vapid(services: ServicesDep, _: CurrentUser) -> Json:
    return Json(
        {
            "public_key": services.push.vapid.public_key,
            "kinds": sorted(services.push.gateway.senders),
            "ntfy_server": services.settings.push_ntfy_server or None,
        }
    )


@router.post(
    "/push/endpoints",
    status_code=201,
    response_model=PushEndpointPublic,
    responses={
        200: {"model": PushEndpointPublic, "description": "This endpoint was registered already: refreshed"},
        **errors(400, 401, 403, 422),
    },
)
async def create(body: PushEndpointCreate, services: ServicesDep, user: CurrentUser) -> Json:
    endpoint = check_endpoint(body.endpoint, services.push.policy)
    if isinstance(body, WebPushEndpointCreate):
        check_p256dh(body.keys.p256dh)
        keys: dict[str, str | None] = {"p256dh": body.keys.p256dh.rstrip("="), "auth": body.keys.auth.rstrip("=")}
    else:
        keys = {"token": body.token, "locale": body.locale}

    def work() -> tuple[dict[str, object], bool]:
        return register(
            services.db,
            user_id=user.id,
            family_id=user.family_id,
            kind=body.kind,
            endpoint=endpoint,
            device_id=body.device_id,
            now=utcnow(),
            **keys,
        )

    row, created = await run_in_threadpool(work)
    return Json(public(row), status_code=201 if created else 200)


@router.get("/push/endpoints", response_model=PushEndpointList, responses=errors(401))
async def list_endpoints(services: ServicesDep, user: CurrentUser) -> Json:
    return Json({"endpoints": await run_in_threadpool(list_mine, services.db, user.id)})


@router.delete("/push/endpoints/{registration_id}", status_code=204, responses=errors(401, 404, 422))
async def delete(
    registration_id: Annotated[uuid.UUID, Path(description="The id the registration was answered with")],
    services: ServicesDep,
    user: CurrentUser,
) -> Response:
    if not await run_in_threadpool(delete_mine, services.db, user.id, str(registration_id)):
        raise ApiError(404, "not_found", "No such push endpoint among yours.")
    return Response(status_code=204)


@router.post(
    "/push/endpoints/{registration_id}/test",
    status_code=202,
    response_model=PushTestQueued,
    responses=errors(401, 404, 422),
)
async def send_test(
    registration_id: Annotated[uuid.UUID, Path(description="The id the registration was answered with")],
    services: ServicesDep,
    user: CurrentUser,
) -> Json:
    """Pushes a test notification to this one registration, now (even in quiet hours).

    It is sent in the background and its outcome is never answered: what a push service said, or
    that the host was refused, would tell a person about hosts they cannot otherwise see.
    """
    mine = await run_in_threadpool(list_mine, services.db, user.id)
    if not any(r["id"] == str(registration_id) for r in mine):
        raise ApiError(404, "not_found", "No such push endpoint among yours.")
    try:
        services.push.test_limiter.hit(user.id)
    except ApiError as exc:
        raise ApiError(
            429, "rate_limited", "Too many test pushes; try again in a minute.", headers=exc.headers
        ) from None
    notice = Notice(
        id=str(uuid.uuid4()),
        user_id=user.id,
        kind="test",
        title="Keel",
        task_id=None,
        project_id=None,
        actor_id=None,
        created_at=iso(utcnow()),
    )
    services.push.gateway.deliver_test(user.id, str(registration_id), notice)
    return Json({"queued": True}, status_code=202)
