"""The `keel` command: settings from flags and `KEEL_*`, and real server processes with the demo."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import keel_cli
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, task_id
from tests.factories import Person, rows

ROOT = Path(__file__).resolve().parents[2]
FAST_HASHES = {"KEEL_ARGON2_TIME_COST": "1", "KEEL_ARGON2_MEMORY_KIB": "1024"}


class Process:
    """A `keel` subprocess whose output (stdout and stderr together) is read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "keel_cli", *args],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # its own process group: close() ends the children it started too
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 90.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.popen.poll() is None, f"keel exited with {self.popen.returncode}:\n" + self.output()
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n" + self.output())

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "\n".join(self.seen)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, as a service manager would send; the server must shut down gracefully."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError("keel did not stop on SIGTERM:\n" + self.output()) from None
        # uvicorn finishes its shutdown, then re-raises the signal it caught: -SIGTERM is a clean stop.
        assert code in (0, -signal.SIGTERM), f"exit {code}:\n" + self.output()

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # children left behind would hold the output pipe open
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.close()


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).json()["status"] == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


def sign_in(http: httpx.Client) -> Person:
    r = http.post("/api/v1/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    return Person(http, body["user"], body["access_token"], body["refresh_token"])


# --- in process ------------------------------------------------------------------------------


def test_flags_override_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEL_PORT", "9000")
    monkeypatch.setenv("KEEL_HOST", "0.0.0.0")
    monkeypatch.setenv("KEEL_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("KEEL_REGISTRATION_OPEN", "false")
    args = keel_cli.build_parser().parse_args(["server", "--port", "9100", "--database-url", "sqlite:///flag.db"])
    settings = keel_cli.server_settings(args)
    assert (settings.host, settings.port, settings.database_url) == ("0.0.0.0", 9100, "sqlite:///flag.db")
    assert settings.registration_open is False
    assert settings.demo is False
    assert keel_cli.server_settings(keel_cli.build_parser().parse_args(["server", "--demo"])).demo is True
    monkeypatch.setenv("KEEL_DEMO", "1")
    assert keel_cli.server_settings(keel_cli.build_parser().parse_args(["server"])).demo is True


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        keel_cli.main([])
    assert exc.value.code == 2
    assert "server" in capsys.readouterr().err


def test_the_cli_imports_nothing_of_the_server() -> None:
    heavy = "{'server', 'fastapi', 'sqlalchemy', 'sqlmodel', 'uvicorn', 'argon2'}"
    code = f"import sys, keel_cli; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_seeding_from_the_cli_says_what_it_did(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import test_settings

    settings = test_settings(db_url, demo=True)
    assert keel_cli.seed_demo_data(settings) is True
    assert f"{DEMO_EMAIL} with the password {DEMO_PASSWORD}" in capsys.readouterr().out
    assert keel_cli.seed_demo_data(settings) is False
    assert "not empty: skipped" in capsys.readouterr().out


# --- real processes --------------------------------------------------------------------------


def test_keel_server_demo_serves_the_known_card(db_url: str, processes: list[Process]) -> None:
    port = keel_cli.free_port()
    args = ["server", "--demo", "--port", str(port), "--database-url", db_url]
    server = Process(args, env=FAST_HASHES)
    processes.append(server)
    url = f"http://127.0.0.1:{port}"
    server.wait_for_line(r"Seeded the demo data")
    wait_healthy(url)
    with httpx.Client(base_url=url, timeout=10) as http:
        wangwei = sign_in(http)
        changes, _ = wangwei.pull_all()
    projects = {p["key"]: p["id"] for p in rows(changes, "project").values()}
    cards = {(t["project_id"], t["number"]): t for t in rows(changes, "task").values()}
    app_1 = cards[(projects["APP"], 1)]
    assert app_1["id"] == task_id("APP-1")
    assert app_1["title"] == "首页信息流改版：支持个性化推荐"
    server.stop()
    assert "Application shutdown complete" in server.output()


def test_keel_demo_prints_the_url_and_sign_in(tmp_path: Path, processes: list[Process]) -> None:
    data = tmp_path / "data"
    env = {**FAST_HASHES, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path)}
    demo = Process(["demo"], env=env)
    processes.append(demo)
    # The console speaks the person's language (zh-CN where the system names none).
    url = demo.wait_for_line(r"(?:Keel demo server: |Keel 演示服务器：)(http://127\.0\.0\.1:\d+)")[1]
    sign_in_line = demo.wait_for_line(r"(?:Demo sign-in: |演示账号：)(\S+) / (\S+)")
    assert (sign_in_line[1], sign_in_line[2]) == (DEMO_EMAIL, DEMO_PASSWORD)
    assert httpx.get(url + "/api/v1/health", timeout=5).json()["status"] == "ok"
    with httpx.Client(base_url=url, timeout=10) as http:
        assert sign_in(http).get("/api/v1/me").json()["user"]["email"] == DEMO_EMAIL
    assert (data / "keel" / "server" / "keel-demo.db").exists()
    demo.stop()
    assert demo.popen.returncode == 0  # keel demo ends its server and itself cleanly
    with pytest.raises(httpx.HTTPError):  # the server it started is gone with it
        httpx.get(url + "/api/v1/health", timeout=2)
