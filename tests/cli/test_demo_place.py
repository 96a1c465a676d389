"""`keel demo` keeps its place: the same ports after a restart (so the app's cache and sign-in, and
an open browser tab, carry on), a demo server still running is used as it is, and a port another
program took is said plainly in the person's language. Real `keel demo --api-only` processes with
a data directory of their own."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.i18n import current_locale, set_locale
from keel_cli._demo import Place, choose_port, port_free
from tests.e2e.browser import FAST_HASHES

ROOT = Path(__file__).resolve().parents[2]
SERVER_LINE = re.compile(
    r"(?:Keel 演示服务器：|Keel demo server: |沿用正在运行的演示服务器：)http://127\.0\.0\.1:(\d+)"
)


@pytest.fixture
def chinese() -> Iterator[None]:
    before = current_locale()
    set_locale("zh-CN")
    yield
    set_locale(before)


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_the_place_is_remembered(tmp_path: Path) -> None:
    assert Place.load(tmp_path) == Place()
    Place(server_port=41234, app_port=41235).save(tmp_path)
    assert Place.load(tmp_path) == Place(41234, 41235)
    (tmp_path / "demo.json").write_text("not json", encoding="utf-8")
    assert Place.load(tmp_path) == Place()


def test_a_taken_port_is_said_plainly_and_another_is_chosen(chinese: None) -> None:
    with listening_socket() as taken:
        port = taken.getsockname()[1]
        assert not port_free(port)
        new, line = choose_port(port, "demo.port_taken")
        assert new != port and port_free(new)
        assert line == f"端口 {port} 已被其他程序占用，演示服务器改用端口 {new}。"
        set_locale("en")
        _, english = choose_port(port, "demo.app_port_taken")
        assert english is not None and english.startswith(f"Port {port} is taken by another program")
    assert choose_port(port, "demo.port_taken") == (port, None)  # released: the remembered port again
    assert choose_port(None, "demo.port_taken")[1] is None  # the first run just picks one


class Demo:
    """`keel demo --api-only` in its own data home, its output read line by line."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, **FAST_HASHES, "XDG_DATA_HOME": str(home), "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
        env["PYTHONUNBUFFERED"] = "1"
        command = [sys.executable, "-m", "keel_cli", "demo", "--api-only"]
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []

    def port(self, timeout: float = 120.0) -> int:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line)
            found = SERVER_LINE.search(line)
            if found:
                return int(found[1])
        raise AssertionError("no server line:\n" + "".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def test_a_restarted_demo_comes_back_on_its_port(tmp_path: Path) -> None:
    first = Demo(tmp_path)
    try:
        port = first.port()
        # A second `keel demo` while the first runs uses its server as it is.
        again = Demo(tmp_path)
        assert again.port() == port and "沿用正在运行的演示服务器" in "".join(again.lines)
        again.stop()
    finally:
        first.stop()
    second = Demo(tmp_path)
    try:
        assert second.port() == port
    finally:
        second.stop()
    with socket.socket() as squatter:  # another program took the port meanwhile
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the last run's connections may linger
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        third = Demo(tmp_path)
        try:
            moved = third.port()
            assert moved != port
            assert f"端口 {port} 已被其他程序占用，演示服务器改用端口 {moved}。" in "".join(third.lines)
        finally:
            third.stop()
    assert Place.load(tmp_path / "keel" / "demo-client").server_port == moved
