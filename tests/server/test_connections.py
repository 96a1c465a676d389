"""How requests arrive, over real sockets on loopback (issue 9, smaller gaps): slow or oversized
request heads, bodies that dribble, clients that leave mid-body. Each wait has a bound many times
the server's limit, so a loaded machine never fails a test that works."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.factories import Api
from tests.live_server import live_server

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 2.0
BOUND_S = 30.0  # how long a test waits for what the server must do within a second or two


@pytest.fixture
def url(db_url: str) -> Iterator[str]:
    with live_server(db_url, header_timeout_s=HEADER_TIMEOUT_S, body_timeout_s=BODY_TIMEOUT_S) as base:
        yield base


_OPEN: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=BOUND_S)
    sock.setblocking(False)
    _OPEN.append(sock)
    return sock


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed the connection (what it sent before closing is read and dropped)."""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


def _dribble(socks: list[socket.socket], piece: bytes) -> int:
    """Sends `piece` on every open socket, until the server closed them all or the bound passed;
    returns how many are still open."""
    open_ = list(socks)
    deadline = time.monotonic() + BOUND_S
    while open_ and time.monotonic() < deadline:
        for sock in list(open_):
            if _closed(sock):
                open_.remove(sock)
                continue
            with contextlib.suppress(OSError):
                sock.send(piece)
        time.sleep(0.2)
    return len(open_)


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The whole response on a connection the server closes after it."""
    sock.setblocking(True)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_a_request_head_that_dribbles_in_is_cut_off(url: str) -> None:
    socks = [_connect(url) for _ in range(20)]
    for sock in socks:
        sock.send(b"GET /api/v1/health HTTP/1.1\r\nHost: keel\r\n")
    assert _dribble(socks, b"X-Slow: 1\r\n") == 0
    # A connection that sends nothing at all is closed as well, and the server still answers others.
    idle = _connect(url)
    assert _dribble([idle], b"") == 0
    with _healthy(url):
        pass


def test_a_body_that_dribbles_in_is_cut_off(url: str) -> None:
    socks = [_connect(url) for _ in range(10)]
    for sock in socks:
        sock.send(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
    assert _dribble(socks, b" ") == 0
    with _healthy(url):
        pass


def test_headers_over_the_limit_are_431_with_the_error_shape(url: str) -> None:
    sock = _connect(url)
    sock.send(b"GET /api/v1/health HTTP/1.1\r\nHost: keel\r\n" + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    status, headers, body = _answer(sock)
    assert status == 431
    assert headers["content-type"] == "application/json"
    assert orjson.loads(body)["error"]["code"] == "headers_too_large"
    # Many small headers count the same.
    sock = _connect(url)
    sock.send(b"GET /api/v1/health HTTP/1.1\r\nHost: keel\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n")
    assert _answer(sock)[0] == 431
    # Just under the limit is a request like any other.
    sock = _connect(url)
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: keel\r\nConnection: close\r\n"
    sock.send(head + b"X-Big: " + b"a" * 12_000 + b"\r\n\r\n")
    assert _answer(sock)[0] == 200


def test_a_request_the_parser_cannot_read_has_the_error_shape(url: str) -> None:
    sock = _connect(url)
    sock.send(b"NOT HTTP AT ALL\x00\r\n\r\n")
    status, _, body = _answer(sock)
    assert status == 400
    error = orjson.loads(body)["error"]
    assert error["code"] == "malformed_request" and error["message"]


def test_a_client_leaving_mid_body_is_not_an_error(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with _healthy(url) as api:
        person = api.person("Leaver")
    for path in ("/api/v1/sync/push", "/api/v1/auth/token", "/api/v1/push/endpoints"):
        sock = _connect(url)
        sock.send(
            f"POST {path} HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {person.access_token}\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"client_id": "c", '
        )
        time.sleep(0.1)
        sock.close()  # closing twice (again at teardown) is harmless
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline and _count(caplog, "left before its request body") < 3:
        if _count(caplog, "Exception in ASGI application"):
            break
        time.sleep(0.05)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert _count(caplog, "left before its request body") == 3


def _count(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records)


@contextlib.contextmanager
def _healthy(url: str) -> Iterator[Any]:
    import httpx

    with httpx.Client(base_url=url, timeout=BOUND_S) as http:
        assert http.get("/api/v1/health").status_code == 200
        yield Api(http)
