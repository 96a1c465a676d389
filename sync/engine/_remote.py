"""`Remote`: the protocol's HTTP surface over one `httpx.AsyncClient`, the client's one door to the network.

Library errors become `sync.errors` here and nowhere else: transport failures are `NetworkError`,
error bodies become `ApiError` subclasses by status and code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from httpx_sse import SSEError, aconnect_sse

from sync.engine._auth import TokenAuth
from sync.entities import EXTENSION_ENTITIES
from sync.errors import (
    ApiError,
    CursorExpired,
    NetworkError,
    NotSignedIn,
    OutOfOrder,
    RateLimited,
    ServerError,
)
from sync.protocol import DEFAULT_PULL_LIMIT
from sync.tokens import TokenStore

API = "/api/v1"


@dataclass(frozen=True)
class ServerEvent:
    event: str  # 'open' (synthetic: the stream is live), 'poke' or 'ping'
    data: dict[str, Any]
    id: str | None = None


def error_from(response: httpx.Response) -> ApiError:
    """The error tree's view of an error response (any status >= 400)."""
    try:
        error = orjson.loads(response.content)["error"]
        code, message, details = str(error["code"]), str(error["message"]), error.get("details")
    except Exception:
        code, message, details = f"http_{response.status_code}", response.text[:200] or response.reason_phrase, None
    status = response.status_code
    if status >= 500:
        return ServerError(status, code, message, details)
    if status == 429:
        try:
            retry_after = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            retry_after = 1.0
        return RateLimited(status, code, message, details, retry_after)
    if status == 401:
        return NotSignedIn(status, code, message, details)
    if status == 410:
        return CursorExpired(status, code, message, details)
    if status == 409 and code == "out_of_order":
        return OutOfOrder(status, code, message, details)
    return ApiError(status, code, message, details)


class Remote:
    """One server and one account. `transport` lets tests route requests to an in-process app or
    through a fault-injecting transport."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenStore,
        *,
        account: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = TokenAuth(tokens, self.base_url, account)
        self.http = httpx.AsyncClient(
            base_url=self.base_url, auth=self.auth, transport=transport, timeout=httpx.Timeout(timeout)
        )

    @property
    def account(self) -> str | None:
        return self.auth.account

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Remote:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _request(self, method: str, path: str, *, signed: bool = True, **kw: Any) -> httpx.Response:
        if "json" in kw:
            kw["content"] = orjson.dumps(kw.pop("json"))
            kw["headers"] = {"Content-Type": "application/json"}
        try:
            if signed:
                response = await self.http.request(method, API + path, **kw)
            else:
                response = await self.http.request(method, API + path, auth=None, **kw)
        except httpx.TransportError as exc:
            raise NetworkError(f"{method} {path}: {exc!r}") from exc
        if response.status_code >= 400:
            raise error_from(response)
        return response

    # --- authentication -------------------------------------------------------------------

    async def register(self, email: str, password: str, display_name: str) -> dict[str, Any]:
        body = {"email": email, "password": password, "display_name": display_name}
        response = await self._request("POST", "/auth/register", signed=False, json=body)
        return dict(orjson.loads(response.content)["user"])

    async def login(self, email: str, password: str) -> dict[str, Any]:
        """Signs in: the refresh token goes to the TokenStore, the access token stays in memory.
        Returns the user ({id, email, display_name})."""
        response = await self._request("POST", "/auth/token", signed=False, json={"email": email, "password": password})
        body = orjson.loads(response.content)
        self.auth.signed_in(email.strip().lower(), body["access_token"], body["refresh_token"])
        return dict(body["user"])

    async def logout(self) -> None:
        """Ends the sign-in on the server (best effort) and forgets both tokens."""
        account = self.auth.account
        token = self.auth.tokens.load_refresh_token(self.base_url, account) if account else None
        try:
            if token is not None:
                await self._request("POST", "/auth/logout", signed=False, json={"refresh_token": token})
        finally:
            self.auth.signed_out()

    async def me(self) -> dict[str, Any]:
        response = await self._request("GET", "/me")
        return dict(orjson.loads(response.content)["user"])

    async def user_by_email(self, email: str) -> dict[str, Any]:
        response = await self._request("GET", "/users", params={"email": email})
        return dict(orjson.loads(response.content)["user"])

    async def ticket_portal(self, ticket_id: str) -> str:
        """The requester's portal link of a ticket (`GET /tickets/{id}/portal`, members and up)."""
        response = await self._request("GET", f"/tickets/{ticket_id}/portal")
        return str(orjson.loads(response.content)["portal_url"])

    async def health(self) -> dict[str, Any]:
        response = await self._request("GET", "/health", signed=False)
        return dict(orjson.loads(response.content))

    # --- sync -----------------------------------------------------------------------------

    async def pull(
        self,
        cursor: int,
        client_id: str,
        limit: int = DEFAULT_PULL_LIMIT,
        *,
        include: Sequence[str] = EXTENSION_ENTITIES,
        compact: bool = False,
    ) -> dict[str, Any]:
        """One pull page, parsed with orjson (no per-row validation: the hot path of a bootstrap).

        `include` asks for Keel's extension entities (docs/protocol.md), which a server sends only
        when asked; a server of the shared contract ignores the parameter. `compact` asks for the
        rows as column `tables` instead of `changes` (docs/protocol.md, "Compact pull pages"); a
        server that does not know it answers with `changes`, which `Store.apply_pull` takes too."""
        body = await self.pull_body(cursor, client_id, limit, include=include, compact=compact)
        page: dict[str, Any] = orjson.loads(body)
        return page

    async def pull_body(
        self,
        cursor: int,
        client_id: str,
        limit: int = DEFAULT_PULL_LIMIT,
        *,
        include: Sequence[str] = EXTENSION_ENTITIES,
        compact: bool = False,
    ) -> bytes:
        """`pull`'s page as the server sent it, unparsed: a bootstrap parses it on the thread that
        writes it (4 MB of JSON are 10 MB of objects, and only one page's need be alive)."""
        params: dict[str, Any] = {"cursor": cursor, "limit": limit, "client_id": client_id}
        if include:
            params["include"] = ",".join(include)
        if compact:
            params["format"] = "columns"
        response = await self._request("GET", "/sync/pull", params=params)
        return response.content

    async def push(self, client_id: str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self._request("POST", "/sync/push", json={"client_id": client_id, "mutations": mutations})
        answer: dict[str, Any] = orjson.loads(response.content)
        return answer

    async def events(
        self, *, idle_timeout: float | None = None, changes: bool = False, include: Sequence[str] = EXTENSION_ENTITIES
    ) -> AsyncIterator[ServerEvent]:
        """The event stream: `open` once connected, then pokes and pings until the server ends it.
        With `changes`, pokes may carry rows (docs/protocol.md, Changes on the event stream).

        Raises NetworkError when the connection fails or breaks, or when nothing (not even a ping)
        arrives for `idle_timeout` seconds, and ApiError subclasses for error answers (a 401 after
        a failed refresh is NotSignedIn).
        """
        timeout = httpx.Timeout(self.http.timeout.connect, read=idle_timeout)
        params = {"changes": "true", "include": ",".join(include)} if changes else {}
        try:
            async with aconnect_sse(self.http, "GET", API + "/sync/events", params=params, timeout=timeout) as source:
                if source.response.status_code >= 400:
                    await source.response.aread()
                    raise error_from(source.response)
                yield ServerEvent("open", {})  # live from here: the caller pulls once after every (re)connect
                async for sse in source.aiter_sse():
                    try:
                        data = orjson.loads(sse.data) if sse.data else {}
                    except orjson.JSONDecodeError:
                        data = {}
                    yield ServerEvent(sse.event, data if isinstance(data, dict) else {}, sse.id or None)
        except (httpx.TransportError, SSEError) as exc:
            raise NetworkError(f"event stream: {exc!r}") from exc
