"""The portal page of a ticket (`/portal/t/{token}`) and its three form actions: reply, confirm or
reopen, rate. Each action is a `POST` answered by a 303 back to the page; an error shows the page again
with what went wrong, under the status the JSON would have answered."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from server.deps import Services, ServicesDep
from server.desk import portal as tp
from server.desk import requester as r
from server.errors import ApiError
from server.mutations.context import Ctx
from server.portal.render import Page, catalogue, render
from server.security import RateLimiter
from sync import protocol as p

router = APIRouter(include_in_schema=False)

FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSansSC-Regular.otf"
FONT_URL = "/portal/static/NotoSansSC-Regular.otf"
TokenPath = Annotated[str, PathParam()]
_NOTICES = {"reply": "portal.reply.sent", "confirm": "portal.solved.thanks", "reopen": "portal.reopened",
            "rate": "portal.rating.thanks"}  # fmt: skip
_ERRORS = {"project_archived": "portal.archived", "not_resolved": "portal.not_resolved",
           "already_rated": "portal.already_rated"}  # fmt: skip
MAX_FORM_BYTES = 256 * 1024


# Zero JavaScript, so none may run: a policy that allows only the inline style, this server's font and
# forms posting back here. A page holds its ticket's token, so no cache keeps it and no link leaks it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def html_page(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=SECURITY_HEADERS)


def page_of(request: Request) -> Page:
    return Page(catalogue(request.headers.get("accept-language")), FONT_URL if FONT.is_file() else None)


def message(page: Page, title: str, body: str | None, status: int) -> HTMLResponse:
    return html_page(render("message.html", page, title=title, body=body), status)


def guard(request: Request, limiter: RateLimiter) -> HTMLResponse | None:
    try:
        limiter.hit(request.client.host if request.client else "unknown")
    except ApiError as error:
        response = message(page_of(request), "portal.rate_limited", None, 429)
        response.headers.update(error.headers or {})
        return response
    return None


async def form_of(request: Request) -> dict[str, str] | None:
    """A form-encoded body as {name: last value}; None when it is not one."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return None
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError):
        return None


def _local(services: Services, value: Any) -> str:
    if not isinstance(value, datetime):
        return ""
    return value.astimezone(ZoneInfo(services.settings.default_time_zone)).strftime("%Y-%m-%d %H:%M")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ticket_page(services: Services, page: Page, token: str, notice: str | None, error: bool = False) -> str:
    def work(ctx: Ctx) -> str:
        portal = tp.open_portal(ctx, services.desk, token)
        ticket, status = portal.ticket, portal.status
        closed = ticket["closed_at"] is not None
        resolved = status["category"] == "done"
        if resolved:
            plain = "closed" if closed else "done"
        else:
            plain = "waiting" if status["pauses_sla"] else str(status["category"])
        rated_at, resolved_at = ticket["rated_at"], ticket["resolved_at"]
        rated = rated_at is not None and resolved_at is not None and rated_at >= resolved_at
        replies = tp.replies(ctx, portal)
        return render(
            "ticket.html",
            page,
            ticket=tp.ticket_view(portal),
            plain=plain,
            created=_local(services, portal.task["created_at"]),
            replies=[{**x, "when": _local(services, _parse(x["created_at"]))} for x in replies],
            resolved=resolved,
            closed=closed,
            can_rate=resolved and not rated,
            base=f"/portal/t/{token}",
            notice=notice,
            notice_error=error,
        )

    return r.read(services, work)


@router.get(FONT_URL)
async def font() -> Response:
    if not FONT.is_file():
        return Response(status_code=404)
    return FileResponse(FONT, media_type="font/otf", headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/portal/t/{token}")
async def ticket_page(token: TokenPath, request: Request, services: ServicesDep, done: str | None = None) -> Response:
    if (limited := guard(request, services.desk.portal_per_address)) is not None:
        return limited
    page = page_of(request)
    try:
        html = await run_in_threadpool(_ticket_page, services, page, token, _NOTICES.get(done or ""))
    except ApiError:
        return message(page, "portal.not_found.title", "portal.not_found.body", 404)
    return html_page(html)


async def _act(token: str, request: Request, services: Services, action: str) -> Response:
    if (limited := guard(request, services.desk.portal_per_address)) is not None:
        return limited
    page = page_of(request)
    form = await form_of(request)
    try:
        if form is None:
            raise ApiError(422, "validation_error", "not a form")
        done = await run_in_threadpool(r.write, services, lambda ctx: _apply(ctx, services, token, action, form))
    except ApiError as error:
        if error.status == 404:
            return message(page, "portal.not_found.title", "portal.not_found.body", 404)
        notice = _ERRORS.get(error.code, "portal.invalid")
        try:
            html = await run_in_threadpool(_ticket_page, services, page, token, notice, True)
        except ApiError:
            return message(page, "portal.not_found.title", "portal.not_found.body", 404)
        return html_page(html, error.status)
    return RedirectResponse(f"/portal/t/{token}?done={done}", status_code=303)


def _apply(ctx: Ctx, services: Services, token: str, action: str, form: dict[str, str]) -> str:
    portal = tp.open_portal(ctx, services.desk, token)
    try:
        if action == "reply":
            tp.reply(ctx, portal, p.PortalReply(body=form.get("body", "")).body)
            return "reply"
        if action == "confirm":
            solved = form.get("solved") == "yes"
            tp.confirm(ctx, portal, solved)
            return "confirm" if solved else "reopen"
        rating = p.PortalRating(score=form.get("score", ""), comment=form.get("comment") or None)  # type: ignore[arg-type]
        tp.rate(ctx, portal, rating.score, rating.comment)
        return "rate"
    except ValidationError:
        raise ApiError(422, "validation_error", "invalid form") from None


@router.post("/portal/t/{token}/reply")
async def reply(token: TokenPath, request: Request, services: ServicesDep) -> Response:
    return await _act(token, request, services, "reply")


@router.post("/portal/t/{token}/confirm")
async def confirm(token: TokenPath, request: Request, services: ServicesDep) -> Response:
    return await _act(token, request, services, "confirm")


@router.post("/portal/t/{token}/rating")
async def rating(token: TokenPath, request: Request, services: ServicesDep) -> Response:
    return await _act(token, request, services, "rating")
