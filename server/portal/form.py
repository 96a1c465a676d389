"""The public form (`/portal/{project_key}/new`): while a desk's `public_form` is on, anyone may file a
ticket with channel `web`; posting it answers 303 to the new ticket's portal page. Off, the path is 404."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.deps import Services, ServicesDep
from server.desk import requester as r
from server.errors import ApiError
from server.mutations.context import Ctx, Row
from server.portal.pages import form_of, guard, html_page, message, page_of
from server.portal.render import Page, render
from sync import protocol as p

router = APIRouter(include_in_schema=False)
KeyPath = Annotated[str, PathParam()]
FIELDS = ("title", "description", "requester_name", "requester_contact", "category")
CATEGORIES = get_args(p.TicketCategory)


def _not_found(page: Page) -> HTMLResponse:
    return message(page, "portal.not_found.title", None, 404)


def _open_desk(ctx: Ctx, project_key: str) -> Row | None:
    found = r.desk_by_key(ctx, project_key)
    return found[0] if found is not None and found[1]["public_form"] else None


def _form_page(page: Page, desk: Row, values: dict[str, str], notice: str | None) -> str:
    shown = {f: values.get(f, "") for f in FIELDS}
    action = f"/portal/{desk['key']}/new"
    return render("form.html", page, desk=desk["name"], action=action, values=shown, categories=CATEGORIES,
                  notice=notice)  # fmt: skip


@router.get("/portal/{project_key}/new")
async def form_page(project_key: KeyPath, request: Request, services: ServicesDep) -> Response:
    if (limited := guard(request, services.desk.portal_per_address)) is not None:
        return limited
    page = page_of(request)
    desk = await run_in_threadpool(r.write, services, lambda ctx: _open_desk(ctx, project_key))
    if desk is None:
        return _not_found(page)
    return html_page(_form_page(page, desk, {}, None))


def _file(ctx: Ctx, services: Services, project_key: str, values: dict[str, str], base: str) -> Row | None:
    desk = _open_desk(ctx, project_key)
    if desk is None:
        return None
    fields = {f: v for f, v in values.items() if f in FIELDS and (v or f == "title")}
    try:
        ticket = p.IntakeTicket.model_validate(fields)
    except ValidationError:
        raise ApiError(422, "validation_error", "invalid form") from None
    return r.file_ticket(ctx, services.desk, desk, ticket, "web", base)


@router.post("/portal/{project_key}/new")
async def form_post(project_key: KeyPath, request: Request, services: ServicesDep) -> Response:
    if (limited := guard(request, services.desk.intake_per_address)) is not None:
        return limited
    page = page_of(request)
    values = await form_of(request) or {}
    try:
        made = await run_in_threadpool(
            r.write, services, lambda ctx: _file(ctx, services, project_key, values, str(request.base_url))
        )
    except ApiError:
        desk = await run_in_threadpool(r.write, services, lambda ctx: _open_desk(ctx, project_key))
        if desk is None:
            return _not_found(page)
        return html_page(_form_page(page, desk, values, "portal.invalid"), 422)
    if made is None:
        return _not_found(page)
    token = made["portal_url"].rsplit("/portal/t/", 1)[1]
    return RedirectResponse(f"/portal/t/{token}", status_code=303)
