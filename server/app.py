"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__, portal
from server.db import Database, migrate, read_secret
from server.deps import Services
from server.desk.requester import build_desk
from server.errors import ApiError, BodyTooLarge, error_response, install_error_handlers
from server.events import Broker
from server.password_gate import PasswordGate
from server.push import build_push
from server.reminders import reminder_loop
from server.routes import auth, desk, health, push, sync
from server.security import AccessTokens, Passwords, RateLimiter
from server.settings import Settings, get_settings
from sync.protocol import MAX_BODY_BYTES, PushRequestDocumented

log = logging.getLogger("keel.server")


class BodyLimit:
    """Answers 413 for a body over the protocol's limit, before anything reads it whole.

    A client that leaves before its body arrived (a closed app, a lost network, a connection cut off
    for being too slow) is normal traffic: it is logged at INFO, and the `ClientDisconnect` the route
    meets ends the request quietly instead of as "Exception in ASGI application" with a traceback.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await error_response(_too_large(self.limit))(scope, receive, send)
                return
        seen = 0
        complete = False

        async def limited() -> Message:
            nonlocal seen, complete
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(_too_large(self.limit).message)
                complete = not message.get("more_body", False)
            elif message["type"] == "http.disconnect" and not complete:
                complete = True  # said once
                log.info("a client left before its request body arrived: %s %s", scope["method"], scope["path"])
            return message

        with contextlib.suppress(ClientDisconnect):  # nobody is left to answer, and it was logged above
            await self.app(scope, limited, send)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"The request body is over {limit // 1024} KiB.")


def build_services(settings: Settings, db: Database | None = None) -> Services:
    db = db or Database(settings.resolved_database_url())
    migrate(db.engine)
    return Services(
        settings=settings,
        db=db,
        passwords=Passwords(
            settings.argon2_time_cost,
            settings.argon2_memory_kib,
            PasswordGate(settings.password_hash_slots, settings.password_hash_wait_s),
        ),
        tokens=AccessTokens(read_secret(db.engine, "jwt"), settings.access_token_ttl_s),
        email_limiter=RateLimiter(settings.login_limit_per_email, settings.login_window_s),
        address_limiter=RateLimiter(settings.login_limit_per_address, settings.login_window_s),
        broker=Broker(),
        push=build_push(settings, db),
        desk=build_desk(settings, read_secret(db.engine, "jwt")),
    )


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else get_settings())
    services = services or build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(reminder_loop(services))]
        if not services.db.sqlite:
            from server.pg_listener import start_listener

            tasks.append(await start_listener(services))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await asyncio.to_thread(services.push.close)  # lets pushes in flight finish, briefly

    app = FastAPI(title="Keel sync API", version=__version__, lifespan=lifespan, openapi_url="/openapi.json")
    app.state.services = services
    install_error_handlers(app)
    for router in (health.router, auth.router, sync.router, push.router, desk.router):
        app.include_router(router, prefix="/api/v1")
    app.include_router(portal.router)  # the requester's pages, at the server's root
    app.add_middleware(BodyLimit)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            extra = TypeAdapter(PushRequestDocumented).json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(extra.pop("$defs", {}))
            components["PushRequestDocumented"] = extra
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
