"""Checks on a registration beyond its JSON schema: the endpoint's host, and the subscriber's key.

The server will POST to whatever endpoint a user registers, so the endpoint is an egress policy
question too: https only, never a private, link-local or otherwise non-public address, loopback
only when the server allows it (tests and local setups), and optionally only hosts under a list
of suffixes. A host name is not resolved here: it is resolved, checked and pinned each time a
push connects (`_egress`), since what it resolves to now says nothing about later.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from server.errors import ApiError
from server.push._egress import is_public
from server.push._vapid import b64url_decode

MAX_LABEL = 63


@dataclass(frozen=True)
class EndpointPolicy:
    allow_loopback: bool = False
    host_suffixes: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, allow_loopback: bool, hosts: str) -> EndpointPolicy:
        suffixes = tuple(h.strip().lower().strip(".") for h in hosts.split(",") if h.strip())
        return cls(allow_loopback, suffixes)


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_endpoint", message)


def not_allowed(message: str) -> ApiError:
    return ApiError(403, "endpoint_not_allowed", message)


def check_endpoint(url: str, policy: EndpointPolicy) -> str:
    """The endpoint as it will be stored, or an `ApiError` (400 malformed, 403 refused by policy)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise invalid("The endpoint's port is not a number from 1 to 65535.") from None
    if port == 0:
        raise invalid("The endpoint's port is not a number from 1 to 65535.")
    host = (parts.hostname or "").rstrip(".")
    labels = host.split(".")
    if not host or any(not label or len(label) > MAX_LABEL for label in labels):
        raise invalid("The endpoint's host is not a valid name.")
    loopback = _is_loopback(host)
    if parts.scheme != "https" and not loopback:
        raise not_allowed("Push endpoints must use https.")
    if loopback:
        if not policy.allow_loopback:
            raise not_allowed("This server does not push to loopback addresses.")
        return url
    if labels[-1][0].isdigit():  # ends in a number: an IPv4 address, in any of the forms resolvers accept
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise invalid("The endpoint's host is neither a name nor an IPv4 address.") from None
        if not is_public(address):
            raise not_allowed("Push endpoints must be on a public address.")
    if policy.host_suffixes and not any(host == s or host.endswith("." + s) for s in policy.host_suffixes):
        raise not_allowed("This server pushes only to the push services it is configured for.")
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_p256dh(p256dh: str) -> None:
    """The subscriber's key must be a point on P-256, or nothing can be encrypted to it."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh.rstrip("=")))
    except ValueError:
        raise ApiError(400, "invalid_push_key", "keys.p256dh is not a P-256 public key.") from None
