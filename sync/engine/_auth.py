"""Bearer authentication as an `httpx.Auth` flow: refresh on 401 `token_expired`, then retry once.

The access token lives only in this object's memory; the refresh token lives in a `TokenStore`.
Refreshes are serialised: a refresh token is single-use and presenting a spent one signs the
whole family out, so two requests that meet an expired token at once must not both refresh.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Generator

import httpx
import orjson

from sync.errors import NotSignedIn
from sync.tokens import TokenStore

REFRESH_PATH = "/api/v1/auth/refresh"


def _error_code(response: httpx.Response) -> str | None:
    try:
        return str(orjson.loads(response.content)["error"]["code"])
    except Exception:
        return None


class TokenAuth(httpx.Auth):
    """Signs requests with the access token; refreshes it through the TokenStore when it expires."""

    def __init__(self, tokens: TokenStore, server: str, account: str | None = None) -> None:
        self.tokens = tokens
        self.server = server.rstrip("/")
        self.account = account
        self.access_token: str | None = None
        self._async_lock = asyncio.Lock()
        self._thread_lock = threading.Lock()

    def signed_in(self, account: str, access_token: str, refresh_token: str) -> None:
        self.account = account
        self.access_token = access_token
        self.tokens.save_refresh_token(self.server, account, refresh_token)

    def signed_out(self) -> None:
        if self.account is not None:
            self.tokens.delete(self.server, self.account)
        self.access_token = None

    def _refresh_request(self) -> httpx.Request:
        token = self.tokens.load_refresh_token(self.server, self.account) if self.account else None
        if token is None:
            raise NotSignedIn(401, "not_signed_in", "No stored sign-in for this server and account; sign in again.")
        return httpx.Request(
            "POST",
            self.server + REFRESH_PATH,
            content=orjson.dumps({"refresh_token": token}),
            headers={"Content-Type": "application/json"},
        )

    def _take_refresh(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            if _error_code(response) == "invalid_refresh_token":
                self.signed_out()
            raise NotSignedIn(
                401, _error_code(response) or "invalid_refresh_token", "The sign-in has ended; sign in again."
            )
        body = orjson.loads(response.content)
        self.access_token = str(body["access_token"])
        if self.account is not None:
            self.tokens.save_refresh_token(self.server, self.account, str(body["refresh_token"]))

    def _sign(self, request: httpx.Request) -> str | None:
        used = self.access_token
        if used is not None:
            request.headers["Authorization"] = f"Bearer {used}"
        return used

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self.access_token is None:
            async with self._async_lock:
                if self.access_token is None:
                    refreshed = yield self._refresh_request()
                    await refreshed.aread()
                    self._take_refresh(refreshed)
        used = self._sign(request)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if _error_code(response) != "token_expired":
            return
        async with self._async_lock:
            if self.access_token == used:  # nobody refreshed meanwhile
                refreshed = yield self._refresh_request()
                await refreshed.aread()
                self._take_refresh(refreshed)
        self._sign(request)
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.access_token is None:
            with self._thread_lock:
                if self.access_token is None:
                    refreshed = yield self._refresh_request()
                    refreshed.read()
                    self._take_refresh(refreshed)
        used = self._sign(request)
        response = yield request
        if response.status_code != 401:
            return
        response.read()
        if _error_code(response) != "token_expired":
            return
        with self._thread_lock:
            if self.access_token == used:
                refreshed = yield self._refresh_request()
                refreshed.read()
                self._take_refresh(refreshed)
        self._sign(request)
        yield request
