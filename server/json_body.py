"""Request bodies as JSON, with one answer for every body no parser takes: 400 `malformed_json`.

orjson parses first (fast). It refuses a lone surrogate escape (`"\\ud800"`), which JSON allows and a
JavaScript client sends when it cuts a string in the middle of an emoji; the standard library parses
those, so the text reaches validation and only the mutation or field holding it is refused. Every
route parses its body here (`JsonRoute`), so auth, push endpoints and sync answer alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from server.errors import malformed_json


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for a double")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes) -> Any:
    """The JSON document in `raw`; ApiError 400 `malformed_json` when it is not one."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # strict UTF-8 and no NaN or infinities, as orjson; surrogate escapes allowed
        return json.loads(raw.decode("utf-8"), parse_float=_finite, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise malformed_json() from None


class JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route whose body parameters are parsed by `loads`. FastAPI turns the error into its 400,
    which the error handlers answer as `malformed_json`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive, request._send))

        return route
