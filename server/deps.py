"""Request dependencies: the server's services and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from server.db import Database
from server.desk.requester import DeskKit
from server.errors import ApiError
from server.events import Broker
from server.push import PushService
from server.rawsql import Raw
from server.security import AccessTokens, Passwords, RateLimiter
from server.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    passwords: Passwords
    tokens: AccessTokens
    email_limiter: RateLimiter
    address_limiter: RateLimiter
    broker: Broker
    push: PushService
    desk: DeskKit


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in the thread pool, one hop per request for an
    # attribute read; under ten simultaneous pulls that hop queued for milliseconds.
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]

bearer = HTTPBearer(auto_error=False, description="The access token from /auth/token or /auth/refresh.")


@dataclass(frozen=True)
class Principal:
    id: str
    email: str
    display_name: str
    family_id: str


def _load_principal(db: Database, user_id: str, family_id: str) -> Principal | None:
    # Every request asks, so a revoked sign-in is refused at once; one indexed join, on the cursor.
    with db.engine.connect() as conn:
        row = (
            Raw(conn)
            .execute(
                "SELECT u.id, u.email, u.display_name, f.revoked FROM users u "
                "JOIN token_families f ON f.user_id = u.id WHERE u.id = :u AND f.id = :f",
                {"u": user_id, "f": family_id},
            )
            .fetchone()
        )
    if row is None or row[3]:
        return None
    return Principal(row[0], row[1], row[2], family_id)


def session_alive(services: Services, principal: Principal) -> bool:
    """Whether a sign-in still stands (not signed out, not revoked for a reused refresh token)."""
    return _load_principal(services.db, principal.id, principal.family_id) is not None


def authenticate(services: Services, token: str | None) -> Principal:
    if not token:
        raise ApiError(401, "not_authenticated", "Sign in first: this request needs a bearer token.")
    claims = services.tokens.decode(token)
    principal = _load_principal(services.db, claims.user_id, claims.family_id)
    if principal is None:
        raise ApiError(401, "invalid_token", "This session was signed out or revoked; sign in again.")
    return principal


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials else None


async def current_user(services: ServicesDep, credentials: BearerDep) -> Principal:
    return await run_in_threadpool(authenticate, services, token_of(credentials))


CurrentUser = Annotated[Principal, Depends(current_user)]
