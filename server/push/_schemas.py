"""The push extension's wire schemas (docs/protocol.md, "Push endpoints").

The patterns say everything JSON Schema can: an http(s) URL without user info or fragment, and
the subscriber's keys as base64url of exactly 65 bytes starting 0x04 (an uncompressed P-256
point) and 16 bytes. What it cannot say (is the key on the curve, may the server push to that
host) is answered 400 or 403 by the route, never 422.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from sync.protocol import Strict, Text

MAX_ENDPOINT = 2048
ENDPOINT_PATTERN = r"^https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[!\"$-~]*)?$"
P256DH_PATTERN = r"^B[A-P][A-Za-z0-9_-]{84}[AEIMQUYcgkosw048]=?$"
AUTH_PATTERN = r"^[A-Za-z0-9_-]{21}[AQgw](==)?$"


class PushKeys(Strict):
    p256dh: Annotated[str, Field(pattern=P256DH_PATTERN, description="The subscriber's P-256 key, base64url")]
    auth: Annotated[str, Field(pattern=AUTH_PATTERN, description="The 16-byte auth secret, base64url")]


class PushEndpointCreate(Strict):
    kind: Literal["webpush"] = "webpush"
    endpoint: Annotated[str, Field(max_length=MAX_ENDPOINT, pattern=ENDPOINT_PATTERN)]
    keys: PushKeys
    device_id: Annotated[Text | None, Field(min_length=1, max_length=100)] = None


class PushEndpointPublic(BaseModel):
    id: str
    kind: str
    endpoint: str
    device_id: str | None
    created_at: str
    updated_at: str


class PushEndpointList(BaseModel):
    endpoints: list[PushEndpointPublic]


class VapidPublic(BaseModel):
    public_key: str = Field(description="The applicationServerKey to subscribe with: base64url, 65 bytes")
    kinds: list[str] = Field(description="The registration kinds this server can push to")
