"""Push to this device's person while Keel is closed, through the ntfy app (docs/push.md, *ntfy*).

One door for the app's Settings screen and `keel push`: make a random topic, show the link (and
QR code) the ntfy app subscribes with, register the topic's URL with the server through the
signed-in `Remote` (`POST /push/endpoints`), send a test, list and remove registrations, and
register again after each sign-in (`register_again`), since a registration is pushed to only
while the sign-in that made it stands.

The local record (the store's meta row `push_ntfy`) holds the registration's id, endpoint and
language and whose it is; never a token. The topic is in the endpoint: like the cache itself, it
stays in the data directory.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

if TYPE_CHECKING:
    from sync.engine import Remote
    from sync.store import Store

DEFAULT_NTFY_SERVER = "https://ntfy.sh"
RECORD = "push_ntfy"
ENDPOINTS = "/push/endpoints"
LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class NtfyRegistration:
    """This device's ntfy registration, as kept locally."""

    id: str
    endpoint: str  # the topic's URL: the ntfy server, then the topic
    locale: str
    user_id: str

    @property
    def topic(self) -> str:
        return self.endpoint.rsplit("/", 1)[1]

    @property
    def subscribe_link(self) -> str:
        return subscribe_link(self.endpoint)


def new_topic() -> str:
    """24 random characters of ntfy's topic alphabet (144 bits): on a public server the name is the secret."""
    return secrets.token_urlsafe(18)


def topic_url(server: str, topic: str) -> str:
    parts = urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an ntfy server's address: {server!r} (e.g. {DEFAULT_NTFY_SERVER})")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/{topic}"


def subscribe_link(endpoint: str) -> str:
    """The link the ntfy Android app opens to subscribe: `ntfy://host/topic` (`?secure=false` for http)."""
    parts = urlsplit(endpoint)
    link = f"ntfy://{parts.netloc}{parts.path}"
    return link + "?secure=false" if parts.scheme == "http" else link


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (for ft.Image's `src`; segno writes PNG without Pillow)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def qr_terminal(text: str) -> str:
    """The QR code drawn with half-block characters, for a terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True)
    return out.getvalue()


# --- the local record -------------------------------------------------------------------------


def saved(store: Store) -> NtfyRegistration | None:
    """This device's registration for the signed-in person, if it made one."""
    raw = store._meta(RECORD)
    if not raw:
        return None
    record = NtfyRegistration(**orjson.loads(raw))
    return record if record.user_id == store.user_id else None


def _keep(store: Store, record: NtfyRegistration | None) -> None:
    store._set_meta(RECORD, orjson.dumps(asdict(record)).decode() if record else None)


# --- with the server --------------------------------------------------------------------------


async def register_ntfy(
    remote: Remote, store: Store, *, server: str = DEFAULT_NTFY_SERVER, locale: str = "zh-CN"
) -> NtfyRegistration:
    """Makes a fresh topic on `server` and registers it for this device (replacing its previous one)."""
    return await _register(remote, store, topic_url(server, new_topic()), locale)


async def _register(remote: Remote, store: Store, endpoint: str, locale: str) -> NtfyRegistration:
    body = {"kind": "ntfy", "endpoint": endpoint, "locale": locale if locale in LOCALES else "zh-CN"}
    body["device_id"] = store.client_id
    answer = orjson.loads((await remote._request("POST", ENDPOINTS, json=body)).content)
    record = NtfyRegistration(answer["id"], endpoint, body["locale"], str(store.user_id))
    _keep(store, record)
    return record


async def register_again(remote: Remote, store: Store) -> NtfyRegistration | None:
    """After a sign-in: registers this device's topic again under the new sign-in (None: it has none).

    Both the app and `keel login` call this; failures are the caller's to report or ignore (the
    device registers again at the next sign-in, or from Settings)."""
    record = saved(store)
    if record is None:
        return None
    return await _register(remote, store, record.endpoint, record.locale)


async def suggested_server(remote: Remote) -> str:
    """The ntfy server the Keel server names for its team (`KEEL_PUSH_NTFY_SERVER`), else the public one."""
    answer = orjson.loads((await remote._request("GET", "/push/vapid")).content)
    return str(answer.get("ntfy_server") or DEFAULT_NTFY_SERVER)


async def send_test(remote: Remote, registration_id: str) -> None:
    """Asks the server to push a test to one registration; it arrives on the phone, or not."""
    await remote._request("POST", f"{ENDPOINTS}/{registration_id}/test")


async def registrations(remote: Remote) -> list[dict[str, Any]]:
    """The person's registrations on the server, every device's (never their keys or tokens)."""
    answer = orjson.loads((await remote._request("GET", ENDPOINTS)).content)
    return list(answer["endpoints"])


async def remove(remote: Remote, store: Store, registration_id: str) -> None:
    """Removes a registration from the server (a 404: gone already); forgets it here if it is this device's."""
    from sync.errors import ApiError

    try:
        await remote._request("DELETE", f"{ENDPOINTS}/{registration_id}")
    except ApiError as exc:
        if exc.status != 404:
            raise
    record = saved(store)
    if record is not None and record.id == registration_id:
        _keep(store, None)
