"""The service desk's HTTP side (PROTOCOL-2.md): intake with per-project keys, the intake settings, the
agent's portal link, and the requester's portal as JSON. The HTML pages are in server/portal/."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from server.deps import CurrentUser, Services, ServicesDep
from server.desk import portal as tp
from server.desk import requester as r
from server.errors import ApiError
from server.json_body import JsonRoute
from server.mutations.context import RANK, Ctx, Row
from server.mutations.tickets import DESK
from server.responses import Json
from server.routes.docs import errors
from server.tables import projects, tickets
from sync import protocol as p

router = APIRouter(tags=["service desk"], route_class=JsonRoute)

# Paths are checked by the handlers, so an unknown key, token or id of any shape answers 401 or 404.
ProjectKeyPath = Annotated[str, Path()]
TokenPath = Annotated[str, Path()]
IdPath = Annotated[str, Path()]


def canonical_id(text: str) -> bool:
    """Whether a path's id is a UUID in the wire's form (anything else names no row)."""
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def base_of(request: Request) -> str:
    return str(request.base_url)


def _role(ctx: Ctx, project_id: str, user_id: str) -> str | None:
    return ctx.raw.scalar(  # type: ignore[no-any-return]
        "SELECT role FROM members WHERE project_id = :p AND user_id = :u AND deleted = :f",
        {"p": project_id, "u": user_id, "f": False},
    )


def _desk_for(ctx: Ctx, project_id: str, user_id: str, minimum: str) -> Row:
    """A desk the user holds `minimum` in; anything else (a stranger, a lower role, no desk) is 404."""
    known = canonical_id(project_id)
    project = ctx.get(projects, project_id) if known else None
    role = _role(ctx, project_id, user_id) if known else None
    if project is None or project["deleted"] or project["kind"] != DESK or role is None or RANK[role] < RANK[minimum]:
        raise ApiError(404, "not_found", "There is no such desk, or you may not manage its intake.")
    return project


@router.get("/projects/{project_id}/intake", response_model=p.IntakeSettingsAnswer, responses=errors(401, 404))
async def intake_get(project_id: IdPath, request: Request, services: ServicesDep,
                     user: CurrentUser) -> Json:  # fmt: skip
    def work(ctx: Ctx) -> Row:
        project = _desk_for(ctx, project_id, user.id, "admin")
        return r.intake_answer(services.desk, project, r.intake_settings(ctx, project_id), base_of(request))

    return Json(await run_in_threadpool(r.write, services, work))


@router.post(
    "/projects/{project_id}/intake", response_model=p.IntakeSettingsAnswer, responses=errors(400, 401, 404, 422)
)
async def intake_set(project_id: IdPath, body: p.IntakeSettings, request: Request,
                     services: ServicesDep, user: CurrentUser) -> Json:  # fmt: skip
    def work(ctx: Ctx) -> Row:
        project = _desk_for(ctx, project_id, user.id, "admin")
        settings = r.intake_settings(ctx, project_id)
        values: Row = {}
        if body.rotate_key:
            values["generation"] = int(settings["generation"]) + 1
        if body.public_form is not None:
            values["public_form"] = body.public_form
        if values:
            ctx.raw.execute(
                "UPDATE desk_intake SET " + ", ".join(f"{k} = :{k}" for k in sorted(values)) + " WHERE project_id = :p",
                {**values, "p": project_id},
            )
        return r.intake_answer(services.desk, project, {**settings, **values}, base_of(request))

    return Json(await run_in_threadpool(r.write, services, work))


@router.post(
    "/intake/{project_key}", status_code=201, response_model=p.IntakeCreated, responses=errors(400, 401, 422, 429)
)
async def intake(project_key: ProjectKeyPath, body: p.IntakeTicket, request: Request, services: ServicesDep,
                 x_keel_intake_key: Annotated[str | None, Header()] = None) -> Json:  # fmt: skip
    services.desk.intake_per_address.hit(address(request))
    services.desk.intake_per_key.hit(f"{project_key}:{x_keel_intake_key or ''}")

    def work(ctx: Ctx) -> Row:
        return r.intake(ctx, services.desk, project_key, x_keel_intake_key, body, base_of(request))

    return Json(await run_in_threadpool(r.write, services, work), status_code=201)


@router.get("/tickets/{ticket_id}/portal", response_model=p.PortalLink, responses=errors(401, 404))
async def portal_link(ticket_id: IdPath, request: Request, services: ServicesDep,
                      user: CurrentUser) -> Json:  # fmt: skip
    def work(ctx: Ctx) -> Row:
        ticket = ctx.get(tickets, ticket_id) if canonical_id(ticket_id) else None
        if ticket is None or ticket["deleted"]:
            raise ApiError(404, "not_found", "There is no such ticket.")
        _desk_for(ctx, ticket["project_id"], user.id, "member")
        return {"portal_url": services.desk.portal_url(base_of(request), ticket_id)}

    return Json(await run_in_threadpool(r.write, services, work))


def _portal(request: Request, services: Services) -> None:
    services.desk.portal_per_address.hit(address(request))


@router.get("/portal/{token}", response_model=p.PortalView, responses=errors(404, 429))
async def portal_get(token: TokenPath, request: Request, services: ServicesDep) -> Json:
    _portal(request, services)

    def work(ctx: Ctx) -> Row:
        return tp.view(ctx, tp.open_portal(ctx, services.desk, token))

    return Json(await run_in_threadpool(r.read, services, work))


@router.post(
    "/portal/{token}/replies",
    status_code=201,
    response_model=p.PortalReplyCreated,
    responses=errors(400, 404, 409, 422, 429),
)
async def portal_reply(token: TokenPath, body: p.PortalReply, request: Request, services: ServicesDep) -> Json:
    _portal(request, services)

    def work(ctx: Ctx) -> Row:
        return {"reply": tp.reply(ctx, tp.open_portal(ctx, services.desk, token), body.body)}

    return Json(await run_in_threadpool(r.write, services, work), status_code=201)


@router.post("/portal/{token}/confirm", response_model=p.PortalTicketAnswer, responses=errors(400, 404, 409, 422, 429))
async def portal_confirm(token: TokenPath, body: p.PortalConfirm, request: Request, services: ServicesDep) -> Json:
    _portal(request, services)

    def work(ctx: Ctx) -> Row:
        return {"ticket": tp.ticket_view(tp.confirm(ctx, tp.open_portal(ctx, services.desk, token), body.solved))}

    return Json(await run_in_threadpool(r.write, services, work))


@router.post("/portal/{token}/rating", response_model=p.PortalTicketAnswer, responses=errors(400, 404, 409, 422, 429))
async def portal_rating(token: TokenPath, body: p.PortalRating, request: Request, services: ServicesDep) -> Json:
    _portal(request, services)

    def work(ctx: Ctx) -> Row:
        portal = tp.rate(ctx, tp.open_portal(ctx, services.desk, token), body.score, body.comment)
        return {"ticket": tp.ticket_view(portal)}

    return Json(await run_in_threadpool(r.write, services, work))
