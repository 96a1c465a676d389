"""The server's error tree and its mapping to PROTOCOL.md's error shape."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.responses import Json

_STATUS_CODES = {
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_object(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The protocol's error object: what a person reads, and what a program matches on."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return error


class ApiError(Exception):
    """An error answered to the client with `{"error": {code, message, details}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": error_object(self.code, self.message, self.details)}


class MutationRejected(Exception):
    """One mutation cannot apply; the push answers it `rejected` and goes on."""

    def __init__(self, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_object(self.code, self.message, self.details)


class BodyTooLarge(StarletteHTTPException):
    """A body found over the limit while it streams in. An HTTPException, so FastAPI's body parsing
    lets it through instead of turning it into 400 "There was an error parsing the body"."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


def malformed_json() -> ApiError:
    return ApiError(
        400,
        "malformed_json",
        "The request body is not valid JSON (UTF-8, numbers under 4,300 digits, nesting under 1,000 levels).",
    )


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def encodable(text: str) -> str:
    """`text` with lone surrogates (which UTF-8 cannot carry) replaced by U+FFFD, for an answer or a log."""
    return _SURROGATES.sub("\ufffd", text)


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as JSON-safe details: where, what, and why (a field named with a lone
    surrogate is echoed with U+FFFD in its place)."""
    out = []
    for err in errors:
        out.append(
            {
                "loc": [encodable(str(part)) for part in err.get("loc", ())],
                "type": str(err.get("type", "")),
                "message": encodable(str(err.get("msg", ""))),
            }
        )
    return out


def error_response(exc: ApiError) -> Json:
    return Json(exc.body(), status_code=exc.status, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Json:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Json:
        errors = list(exc.errors())
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        if malformed:
            return error_response(malformed_json())
        return error_response(
            ApiError(422, "validation_error", "Some fields are missing or invalid.", validation_details(errors))
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge) -> Json:
        return error_response(ApiError(413, "body_too_large", exc.detail))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Json:
        if exc.status_code == 400:  # FastAPI's only 400: a body its parser did not take
            return error_response(malformed_json())
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        headers = dict(exc.headers) if exc.headers else None
        return error_response(ApiError(exc.status_code, code, message, headers=headers))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Json:
        # A 5xx is a server bug; say so plainly without leaking internals.
        return Json(
            {"error": {"code": "internal_error", "message": "The server failed; this is a bug."}}, status_code=500
        )
