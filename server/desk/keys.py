"""The desk's secrets without a table of secrets: intake keys and portal tokens are HMACs under a key
derived from the server's signing secret.

- An intake key is `HMAC(k, "intake:{project}:{generation}")`: the table keeps only the generation, and a
  rotation (generation + 1) makes the old key worthless at once. 256 bits, base64url.
- A portal token is the ticket's id (16 bytes) followed by `HMAC(k, "portal:{ticket}")` (18 bytes, 144
  bits), base64url without padding: 46 characters of `A-Z a-z 0-9 - _`. It never changes; a forged or
  altered one fails the check, and a deleted ticket's token finds no ticket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

_MAC_BYTES = 18
TOKEN_LENGTH = 46


def desk_key(server_secret: str) -> bytes:
    """The desk's own key, apart from the access tokens' (a leak of one is not a leak of the other)."""
    return hmac.new(server_secret.encode(), b"keel:desk", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def intake_key(key: bytes, project_id: str, generation: int) -> str:
    return _b64(_mac(key, f"intake:{project_id}:{generation}"))


def intake_key_matches(key: bytes, project_id: str, generation: int, given: str | None) -> bool:
    if not given or len(given) > 100 or not given.isascii():
        return False
    return hmac.compare_digest(intake_key(key, project_id, generation).encode(), given.encode())


def portal_token(key: bytes, ticket_id: str) -> str:
    ident = uuid.UUID(ticket_id)
    return _b64(ident.bytes + _mac(key, f"portal:{ident}")[:_MAC_BYTES])


def ticket_of_token(key: bytes, token: str) -> str | None:
    """The ticket id a token names, or None when it is malformed or its signature does not check."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except ValueError:
        return None
    if len(raw) != 16 + _MAC_BYTES or _b64(raw) != token:
        return None
    ident = uuid.UUID(bytes=raw[:16])
    if not hmac.compare_digest(raw[16:], _mac(key, f"portal:{ident}")[:_MAC_BYTES]):
        return None
    return str(ident)
