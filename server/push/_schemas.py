"""The push extension's wire schemas (docs/protocol.md, "Push endpoints").

The patterns say everything JSON Schema can: an http(s) URL without user info or fragment, the
Web Push subscriber's keys as base64url of exactly 65 bytes starting 0x04 (an uncompressed P-256
point) and 16 bytes, an ntfy topic URL ending in a topic name ntfy accepts. What they cannot say
(is the key on the curve, may the server push to that host) is answered 400 or 403 by the route,
never 422. A registration is one of two bodies, told apart by `kind` (absent means `webpush`, as
before ntfy), so each kind's fields are checked alone and an unknown kind is a 422.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag

from sync.protocol import Strict, Text

MAX_ENDPOINT = 2048
_ORIGIN = r"^https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?"
ENDPOINT_PATTERN = _ORIGIN + r"(/[!\"$-~]*)?$"
# ntfy: the server's URL (maybe under a path prefix), then the topic: ntfy's own rule for names.
NTFY_ENDPOINT_PATTERN = _ORIGIN + r"(/[A-Za-z0-9._~-]+)*/[A-Za-z0-9_-]{1,64}$"
# ntfy's access tokens are "tk_" and 29 letters and digits today; a little room either way.
NTFY_TOKEN_PATTERN = r"^tk_[A-Za-z0-9]{16,64}$"
P256DH_PATTERN = r"^B[A-P][A-Za-z0-9_-]{84}[AEIMQUYcgkosw048]=?$"
AUTH_PATTERN = r"^[A-Za-z0-9_-]{21}[AQgw](==)?$"


class PushKeys(Strict):
    p256dh: Annotated[str, Field(pattern=P256DH_PATTERN, description="The subscriber's P-256 key, base64url")]
    auth: Annotated[str, Field(pattern=AUTH_PATTERN, description="The 16-byte auth secret, base64url")]


DeviceId = Annotated[Text | None, Field(min_length=1, max_length=100)]


class WebPushEndpointCreate(Strict):
    kind: Literal["webpush"] = "webpush"
    endpoint: Annotated[str, Field(max_length=MAX_ENDPOINT, pattern=ENDPOINT_PATTERN)]
    keys: PushKeys
    device_id: DeviceId = None


class NtfyEndpointCreate(Strict):
    kind: Literal["ntfy"]
    endpoint: Annotated[
        str,
        Field(
            max_length=MAX_ENDPOINT,
            pattern=NTFY_ENDPOINT_PATTERN,
            description="The topic's URL: the ntfy server, then the topic (keep it long and random)",
        ),
    ]
    token: Annotated[
        str | None, Field(pattern=NTFY_TOKEN_PATTERN, description="An ntfy access token, for a protected topic")
    ] = None
    locale: Annotated[Literal["zh-CN", "en"], Field(description="The language of the notification's text")] = "zh-CN"
    device_id: DeviceId = None


def _kind_of(body: Any) -> str | None:
    """Which registration body this is: its `kind`, `webpush` when absent (None: not a body at all)."""
    if isinstance(body, dict):
        kind = body.get("kind", "webpush")
        return kind if isinstance(kind, str) else None
    return getattr(body, "kind", None)


PushEndpointCreate = Annotated[
    Annotated[WebPushEndpointCreate, Tag("webpush")] | Annotated[NtfyEndpointCreate, Tag("ntfy")],
    Discriminator(_kind_of),
]


class PushEndpointPublic(BaseModel):
    id: str
    kind: str
    endpoint: str
    device_id: str | None
    locale: str | None = Field(description="ntfy: the language of the notification's text; null for webpush")
    created_at: str
    updated_at: str


class PushEndpointList(BaseModel):
    endpoints: list[PushEndpointPublic]


class VapidPublic(BaseModel):
    public_key: str = Field(description="The applicationServerKey to subscribe with: base64url, 65 bytes")
    kinds: list[str] = Field(description="The registration kinds this server can push to")
    ntfy_server: str | None = Field(
        default=None, description="The ntfy server this team uses (KEEL_PUSH_NTFY_SERVER); null: the client's default"
    )


class PushTestQueued(BaseModel):
    queued: bool = Field(description="Always true: the test is sent in the background; its outcome is not reported")
