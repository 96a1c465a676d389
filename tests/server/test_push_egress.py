"""Where the server may push: a host name is resolved, checked and pinned on every connection.

A listener on loopback counts the TCP connections it accepts, so "nothing was sent" is observed
on the wire, not inferred from the server's own account of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest

from server.push import Egress, EgressRefused, PushError
from server.push._egress import is_public
from server.push._http import PushClient
from tests.factories import error_of, serve
from tests.server.test_push_gateway import WAIT_S, mention, team

PATH = "/api/v1/push/endpoints"


class CountingListener:
    """A TCP listener on 127.0.0.1 that accepts, counts and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def __enter__(self) -> CountingListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    with CountingListener() as counting:
        yield counting


def loopback_name() -> str:
    """A host name (not `localhost`, which registration refuses by its text) that resolves to loopback."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)}
    except OSError:
        addresses = set()
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        pytest.skip(f"this machine's name {name!r} does not resolve to loopback only")
    return name


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("169.254.169.254", False),  # link-local: cloud metadata
        ("fe80::1", False),
        ("fc00::1", False),  # unique local
        ("224.0.0.1", False),  # multicast
        ("ff02::1", False),
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),  # documentation
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ],
)
def test_only_globally_routable_unicast_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("host", ["224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.7"])
def test_registration_refuses_multicast_and_reserved_literals(db_url: str, host: str) -> None:
    body = {"kind": "ntfy", "endpoint": f"https://{host}/keel_topic_abcdefghijklmnop"}
    with serve(db_url) as api:
        error_of(api.person().post(PATH, json=body), 403, "endpoint_not_allowed")


def test_a_name_that_resolves_to_loopback_gets_no_connection(db_url: str, listener: CountingListener) -> None:
    """The probe's finding: `https://<name resolving to 127.0.0.1>/…` made the server connect to loopback."""
    name = loopback_name()
    endpoint = f"https://{name}:{listener.port}/keel_topic_abcdefghijklmnop"
    with serve(db_url) as api:  # KEEL_PUSH_ALLOW_LOOPBACK off, the server's own gateway
        alice, bob, _, tid = team(api)
        r = bob.post(PATH, json={"kind": "ntfy", "endpoint": endpoint})
        assert r.status_code == 201, r.text  # a name: its address is a matter for send time
        gateway = api.http.app.state.services.push.gateway
        for n in range(3):
            alice.comment(tid, f"{mention(bob)} 请看一下 #{n}")
        assert gateway.wait_idle(WAIT_S)
        assert listener.accepted == 0
        # Nothing answered, so nothing was learnt: the registration stays as it was.
        assert [e["endpoint"] for e in bob.get(PATH).json()["endpoints"]] == [endpoint]


def post(client: PushClient, url: str) -> None:
    async def run() -> None:
        try:
            await client.post(url, content=b"{}", headers={"Content-Type": "application/json"})
        finally:
            await client.aclose()

    asyncio.run(run())


def test_with_loopback_allowed_the_same_name_is_reached(listener: CountingListener) -> None:
    """The control: the listener does see the connection when loopback is allowed, so 0 above means something."""
    name = loopback_name()
    with contextlib.suppress(PushError):  # the listener speaks no TLS
        post(PushClient(egress=Egress(allow_loopback=True)), f"https://{name}:{listener.port}/t")
    assert listener.accepted >= 1


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["::ffff:127.0.0.1"], ["224.0.0.1"], ["10.0.0.7"], ["8.8.8.8", "127.0.0.1"]],
)
def test_every_connection_resolves_and_checks_the_name_itself(listener: CountingListener, answers: list[str]) -> None:
    """DNS rebinding: what a name resolves to is asked when connecting, and the checked address is the one used.
    One private address among public ones refuses the name."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers

    with pytest.raises(EgressRefused) as refused:
        post(PushClient(egress=Egress(resolve=resolve)), f"https://push.example.com:{listener.port}/x")
    assert asked == ["push.example.com"]
    assert listener.accepted == 0
    assert "127.0.0.1" not in str(refused.value) and not refused.value.retryable


def test_loopback_allowed_still_refuses_private_addresses(listener: CountingListener) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["192.168.0.10"]

    with pytest.raises(EgressRefused):
        post(
            PushClient(egress=Egress(allow_loopback=True, resolve=resolve)), f"https://nas.example.com:{listener.port}/"
        )
    assert listener.accepted == 0


def test_a_test_push_reports_nothing_and_is_only_for_ones_own(db_url: str, listener: CountingListener) -> None:
    """`POST /push/endpoints/{id}/test` answers 202 before anything is sent, whatever the host: it cannot probe."""
    name = loopback_name()
    with serve(db_url) as api:
        bob, eve = api.person(), api.person()
        endpoint = f"https://{name}:{listener.port}/topic_aaaaaaaaaaaaaaaaaaaa"
        registration = bob.post(PATH, json={"kind": "ntfy", "endpoint": endpoint}).json()
        answer = bob.post(f"{PATH}/{registration['id']}/test")
        assert (answer.status_code, answer.json()) == (202, {"queued": True})
        error_of(eve.post(f"{PATH}/{registration['id']}/test"), 404, "not_found")
        for _ in range(4):  # five a minute: enough to try a few phones
            assert bob.post(f"{PATH}/{registration['id']}/test").status_code == 202
        limited = bob.post(f"{PATH}/{registration['id']}/test")
        error_of(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) > 0
        assert api.http.app.state.services.push.gateway.wait_idle(WAIT_S)
        assert listener.accepted == 0
        assert [e["id"] for e in bob.get(PATH).json()["endpoints"]] == [registration["id"]]
