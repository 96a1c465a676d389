"""The requester's side without a Keel account (PROTOCOL-2.md): the desk's kit (key and rate limits),
the transactions a requester's request runs in (the scheduler's null actor), and intake and the public
form. The portal's operations are in server/desk/portal.py. The JSON routes (server/routes/desk.py) and
the HTML pages (server/portal/) both call these.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from server.errors import ApiError
from server.feed import Tx, utcnow
from server.mutations.context import Ctx, Row
from server.mutations.tickets import DESK, open_ticket
from server.push import created_notices, hand_over
from server.security import RateLimiter
from server.tables import desk_intake, projects
from sync import protocol as p

from . import keys

if TYPE_CHECKING:
    from server.deps import Services
    from server.settings import Settings

T = TypeVar("T")


@dataclass
class DeskKit:
    """The desk's key and the requester side's rate limits."""

    key: bytes
    intake_per_key: RateLimiter
    intake_per_address: RateLimiter
    portal_per_address: RateLimiter
    public_url: str

    def base(self, request_base: str) -> str:
        return (self.public_url or request_base).rstrip("/")

    def portal_url(self, request_base: str, ticket_id: str) -> str:
        return f"{self.base(request_base)}/portal/t/{keys.portal_token(self.key, ticket_id)}"


def build_desk(settings: Settings, server_secret: str) -> DeskKit:
    window = settings.desk_window_s
    return DeskKit(
        keys.desk_key(server_secret),
        RateLimiter(settings.intake_limit_per_key, window, "tickets for this key"),
        RateLimiter(settings.intake_limit_per_address, window, "tickets from this address"),
        RateLimiter(settings.portal_limit_per_address, window, "portal requests"),
        settings.public_url,
    )


def write(services: Services, work: Callable[[Ctx], T]) -> T:
    """Runs `work` in one writer transaction as no one, then pokes the audience and hands over pushes."""
    db, gateway = services.db, services.push.gateway
    with db.write() as conn:
        tx = Tx(conn)
        start = tx.seq
        result = work(Ctx(tx, actor="", now=utcnow()))
        notices = created_notices(tx, start)
        audience = tx.finish()
        cursor, changed = tx.seq, tx.changed
        if changed and not db.sqlite:
            db.notify_in_tx(conn, audience, cursor)
    if changed:
        services.broker.publish(audience, cursor)
    hand_over(gateway, notices)
    return result


def read(services: Services, work: Callable[[Ctx], T]) -> T:
    """Runs `work` in a read transaction (a page view changes nothing)."""
    with services.db.read() as conn:
        return work(Ctx(Tx(conn), actor="", now=utcnow()))


# --- intake and the public form ---------------------------------------------------------------


def _bad_key() -> ApiError:
    return ApiError(401, "invalid_intake_key", "The intake key is missing or wrong for this project.")


def desk_by_key(ctx: Ctx, project_key: str) -> tuple[Row, Row] | None:
    """A live, unarchived desk and its intake settings, by its project key."""
    if not p.KEY_RE.match(project_key):
        return None
    project = ctx.raw.rows(projects, "SELECT * FROM projects WHERE key = :k", {"k": project_key})
    if not project or project[0]["deleted"] or project[0]["archived"] or project[0]["kind"] != DESK:
        return None
    return project[0], intake_settings(ctx, project[0]["id"])


def intake_settings(ctx: Ctx, project_id: str) -> Row:
    """A desk's intake row; a desk made before intake existed gets one (generation 0, no form)."""
    found = ctx.raw.rows(desk_intake, "SELECT * FROM desk_intake WHERE project_id = :p", {"p": project_id})
    if found:
        return found[0]
    row = {"project_id": project_id, "generation": 0, "public_form": False}
    ctx.raw.insert(desk_intake, row)
    return row


def file_ticket(ctx: Ctx, kit: DeskKit, project: Row, fields: p.IntakeTicket, channel: str, base: str) -> Row:
    """A ticket from outside: a server-minted id and no reporter. Answers intake's 201 body."""
    values = fields.model_dump()
    values["channel"] = fields.channel or channel
    ticket_id = str(uuid.uuid4())
    open_ticket(ctx, project, ticket_id, values, None)
    number = ctx.raw.scalar("SELECT number FROM tasks WHERE id = :t", {"t": ticket_id})
    return {"ticket_id": ticket_id, "key": f"{project['key']}-{number}", "portal_url": kit.portal_url(base, ticket_id)}


def intake(ctx: Ctx, kit: DeskKit, project_key: str, given: str | None, fields: p.IntakeTicket, base: str) -> Row:
    found = desk_by_key(ctx, project_key)
    if found is None or not keys.intake_key_matches(kit.key, found[0]["id"], int(found[1]["generation"]), given):
        raise _bad_key()
    return file_ticket(ctx, kit, found[0], fields, "api", base)


def intake_answer(kit: DeskKit, project: Row, settings: Row, base: str) -> Row:
    return {
        "intake_key": keys.intake_key(kit.key, project["id"], int(settings["generation"])),
        "public_form": bool(settings["public_form"]),
        "form_url": f"{kit.base(base)}/portal/{project['key']}/new",
    }
