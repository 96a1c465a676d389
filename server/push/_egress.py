"""Where a push may connect: every connection's address is resolved, checked and pinned at connect time.

Registration checks only the endpoint's text (a literal address, `localhost`); a host *name* may
resolve anywhere, and may resolve differently by the time a push is sent (DNS rebinding). So the
HTTP client's network backend resolves the host itself when it opens a connection, refuses the
connection unless every address the name resolves to is public (loopback too, when the server
allows loopback), and connects to exactly the address it checked. TLS still verifies the
certificate against the host name (httpcore takes SNI and the hostname check from the URL, not
from the address). Redirects are never followed, so no other host is ever reached.

A refused connection raises `EgressRefused` before any byte is sent: there is no answer to map,
so a registration is never removed (or kept) because of what an internal service said.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpcore
import httpx

from server.push._errors import PushError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Awaitable[list[str]]]

# Prefixes that carry an IPv4 address inside an IPv6 one; the IPv4 address is what gets reached.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


class EgressRefused(PushError):
    """The push host is, or resolves to, an address this server does not push to. Not retried."""


def embedded_v4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64 or address in NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: Address) -> bool:
    """Globally routable unicast: not loopback, private, shared, link-local, multicast, reserved or unspecified."""
    inner = embedded_v4(address)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_link_local
        or address.is_loopback
        or address.is_private
    )


def is_loopback(address: Address) -> bool:
    inner = embedded_v4(address)
    return address.is_loopback or (inner is not None and inner.is_loopback)


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Egress:
    """The connection policy: public addresses, plus loopback when the server allows it (tests)."""

    allow_loopback: bool = False
    resolve: Resolve = field(default=system_resolve, compare=False)

    def allows(self, address: Address) -> bool:
        return is_public(address) or (self.allow_loopback and is_loopback(address))

    async def addresses(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """The checked addresses to connect to; raises `EgressRefused` if any is not allowed.
        Resolving counts against the connect timeout (getaddrinfo itself may wait much longer)."""
        try:
            found = await asyncio.wait_for(self.resolve(host.strip("[]"), port), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout("resolving the push host's name took too long") from None
        except OSError:
            raise httpcore.ConnectError("the push host's name could not be resolved") from None
        parsed = _parse(found)
        if not parsed:
            raise httpcore.ConnectError("the push host's name resolved to no address")
        if not all(self.allows(a) for a in parsed):
            raise EgressRefused("the push host is not on a public address; nothing was sent")
        return [str(a) for a in parsed]


def _parse(found: Iterable[str]) -> list[Address]:
    parsed = []
    for text in found:
        try:
            parsed.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            continue
    return parsed


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to addresses `egress` checked for this connection."""

    def __init__(self, egress: Egress) -> None:
        self.egress = egress
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.egress.addresses(host, port, timeout):
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefused("push never connects to a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(egress: Egress, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's transport over a pool whose every connection goes through `PinnedBackend`.

    httpx does not take a network backend, so its pool is replaced by one built the same way (no
    proxy: a proxy would resolve the name itself, out of this check's reach).
    """
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(egress),
    )
    return transport
