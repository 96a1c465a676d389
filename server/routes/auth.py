"""Registration, sign-in with rotating refresh-token families, sign-out, and user look-up."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from server.deps import CurrentUser, Services, ServicesDep
from server.errors import ApiError
from server.feed import Tx, utcnow
from server.json_body import JsonRoute
from server.routes.docs import errors
from server.security import new_refresh_token, token_hash
from server.tables import refresh_tokens, users
from server.tables import token_families as families
from sync import protocol as p

router = APIRouter(tags=["auth"], route_class=JsonRoute)


def _public(row: object) -> dict[str, object]:
    return {"id": row.id, "email": row.email, "display_name": row.display_name}  # type: ignore[attr-defined]


def register_user(services: Services, body: p.RegisterRequest) -> dict[str, object]:
    email = body.email.strip().lower()
    password_hash = services.passwords.hash(body.password)
    with services.db.write() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first() is not None:
            raise ApiError(409, "email_taken", "An account with this email already exists.")
        row = {
            "id": str(uuid.uuid4()),
            "email": email,
            "display_name": body.display_name.strip(),
            "password_hash": password_hash,
            "created_at": utcnow(),
        }
        conn.execute(users.insert().values(**row))
        tx = Tx(conn)
        tx.emit("user", row)  # every user receives their own user row
        tx.finish()
    return {"id": row["id"], "email": email, "display_name": row["display_name"]}


def _issue(services: Services, conn: sa.Connection, user_id: str, family_id: str) -> tuple[str, str]:
    refresh = new_refresh_token()
    now = utcnow()
    conn.execute(
        refresh_tokens.insert().values(
            token_hash=token_hash(refresh),
            family_id=family_id,
            spent=False,
            expires_at=now + timedelta(seconds=services.settings.refresh_token_ttl_s),
            created_at=now,
        )
    )
    return services.tokens.issue(user_id, family_id), refresh


def _token_response(services: Services, access: str, refresh: str, user: dict[str, object]) -> dict[str, object]:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": services.tokens.ttl_s,
        "user": user,
    }


def sign_in(services: Services, body: p.TokenRequest, address: str) -> dict[str, object]:
    email = body.email.strip().lower()
    services.address_limiter.hit(address)
    services.email_limiter.hit(email)
    with services.db.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.email == email)).first()
    if not services.passwords.verify(row.password_hash if row else None, body.password) or row is None:
        raise ApiError(401, "invalid_credentials", "The email or password is wrong.")
    family_id = str(uuid.uuid4())
    with services.db.write() as conn:  # serialised: read-then-write must not race on SQLite
        conn.execute(families.insert().values(id=family_id, user_id=row.id, revoked=False, created_at=utcnow()))
        access, refresh = _issue(services, conn, row.id, family_id)
    return _token_response(services, access, refresh, _public(row))


def _bad_refresh() -> ApiError:
    return ApiError(401, "invalid_refresh_token", "This refresh token is not valid any more; sign in again.")


def rotate(services: Services, token: str) -> dict[str, object]:
    with services.db.write() as conn:  # serialised: read-then-write must not race on SQLite
        stored = conn.execute(
            sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash(token)).with_for_update()
        ).first()
        if stored is None:
            raise _bad_refresh()
        family = conn.execute(sa.select(families).where(families.c.id == stored.family_id)).first()
        if family is None or family.revoked or stored.expires_at < utcnow():
            raise _bad_refresh()
        # Spending is a conditional update, so two refreshes racing with one token cannot both win
        # (SQLite ignores FOR UPDATE); the loser is treated as a reuse.
        spend = conn.execute(
            refresh_tokens.update()
            .where(refresh_tokens.c.token_hash == stored.token_hash, refresh_tokens.c.spent.is_(False))
            .values(spent=True)
        )
        reused = stored.spent or spend.rowcount != 1
        if reused:
            # A spent token came back: someone holds a copy. End the whole sign-in.
            conn.execute(families.update().where(families.c.id == family.id).values(revoked=True))
            services.db.notify_signed_out(conn, family.id)
        else:
            user = conn.execute(sa.select(users).where(users.c.id == family.user_id)).first()
            access, refresh = _issue(services, conn, family.user_id, family.id)
    if reused:
        services.broker.end_family(family.id)
    if reused or user is None:
        raise _bad_refresh()
    return _token_response(services, access, refresh, _public(user))


def sign_out(services: Services, token: str) -> None:
    with services.db.write() as conn:  # serialised: read-then-write must not race on SQLite
        stored = conn.execute(
            sa.select(refresh_tokens.c.family_id).where(refresh_tokens.c.token_hash == token_hash(token))
        ).first()
        if stored is not None:
            conn.execute(families.update().where(families.c.id == stored.family_id).values(revoked=True))
            services.db.notify_signed_out(conn, stored.family_id)
    if stored is not None:
        services.broker.end_family(stored.family_id)


@router.post(
    "/auth/register",
    status_code=201,
    response_model=p.UserEnvelope,
    responses=errors(400, 403, 409, 413, 422, 429),
)
async def register(body: p.RegisterRequest, services: ServicesDep) -> dict[str, object]:
    if not services.settings.registration_open:
        raise ApiError(403, "registration_closed", "This server does not accept new accounts.")
    return {"user": await run_in_threadpool(register_user, services, body)}


@router.post("/auth/token", response_model=p.TokenResponse, responses=errors(400, 401, 413, 422, 429))
async def token(body: p.TokenRequest, request: Request, services: ServicesDep) -> dict[str, object]:
    address = request.client.host if request.client else "unknown"
    return await run_in_threadpool(sign_in, services, body, address)


@router.post("/auth/refresh", response_model=p.TokenResponse, responses=errors(400, 401, 413, 422))
async def refresh(body: p.RefreshRequest, services: ServicesDep) -> dict[str, object]:
    return await run_in_threadpool(rotate, services, body.refresh_token)


@router.post("/auth/logout", status_code=204, response_class=Response, responses=errors(400, 413, 422))
async def logout(body: p.RefreshRequest, services: ServicesDep) -> Response:
    await run_in_threadpool(sign_out, services, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=p.UserEnvelope, responses=errors(401))
async def me(user: CurrentUser) -> dict[str, object]:
    return {"user": {"id": user.id, "email": user.email, "display_name": user.display_name}}


def find_user(services: Services, email: str) -> dict[str, object]:
    row = None
    if "\x00" not in email:  # no stored email holds NUL, and PostgreSQL refuses to compare one
        with services.db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())).first()
    if row is None:
        raise ApiError(404, "unknown_user", "No user has this email.")
    return _public(row)


@router.get("/users", response_model=p.UserEnvelope, responses=errors(401, 404, 422))
async def user_by_email(
    services: ServicesDep, _: CurrentUser, email: Annotated[str, Query(max_length=254)]
) -> dict[str, object]:
    return {"user": await run_in_threadpool(find_user, services, email)}
