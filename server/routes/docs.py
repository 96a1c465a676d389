"""OpenAPI helpers: the documented error responses of a route."""

from __future__ import annotations

from typing import Any

from sync.protocol import ErrorResponse

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not authenticated (`token_expired`: refresh and retry)",
    403: "Forbidden",
    404: "Unknown",
    409: "Conflict or out of order",
    410: "Cursor expired: pull again from 0",
    413: "Too large",
    422: "Validation failed",
    429: "Rate limited; see Retry-After",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        if status == 429:
            entry["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}
        out[status] = entry
    return out
