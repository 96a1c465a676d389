"""Fixtures for the `keel` client commands: a real server on loopback, and `keel` clients with data dirs of their own.

Every client keeps its refresh token in keyrings.alt's plaintext file keyring under a home in
`tmp_path`, chosen through `PYTHON_KEYRING_BACKEND` (the documented headless opt-in), so in-process
runs (`keel_cli.main`) and subprocesses (`python -m keel_cli`) share it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import keyring.core
import pytest

import keel_cli
from tests.factories import Api, Person, new_id

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse"
PLAINTEXT_KEYRING = "keyrings.alt.file.PlaintextKeyring"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)


@dataclass
class Keel:
    """One `keel` client: its data dir, run in this process (`main`) or as a real subprocess (`run`)."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def main(self, *args: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        argv = [*args[:1], *_with_data_dir(args, self.data_dir)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            old_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
            try:
                code = keel_cli.main(argv)
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
            finally:
                sys.stdin = old_stdin
        return Result(code, out.getvalue(), err.getvalue())

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "keel_cli", *args[:1], *_with_data_dir(args, self.data_dir)]

    def run(self, *args: str, stdin: str = "", timeout: float = 60) -> Result:
        proc = subprocess.run(
            self.command(*args), cwd=ROOT, env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str, **kw: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command(*args), cwd=ROOT, env=self.env, text=True, **kw)

    def login(self, url: str, email: str, *, subprocess: bool = False) -> Result:
        args = ("login", "--server", url, "--email", email, "--password-stdin")
        result = self.run(*args, stdin=PASSWORD + "\n") if subprocess else self.main(*args, stdin=PASSWORD + "\n")
        assert result.code == 0, result
        return result

    def ok(self, *args: str) -> Result:
        result = self.main(*args)
        assert result.code == 0, result
        return result


def _with_data_dir(args: tuple[str, ...], data_dir: Path) -> list[str]:
    """The arguments after the subcommand (or sub-subcommand), with `--data-dir` right after it."""
    nested = 2 if args and args[0] in ("tasks", "iterations", "report") else 1
    return [*args[1:nested], "--data-dir", str(data_dir), *args[nested:]]


@pytest.fixture
def keel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A home in tmp_path with the plaintext file keyring chosen explicitly, for this process and children."""
    home = tmp_path / "home"
    home.mkdir()
    values = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHON_KEYRING_BACKEND": PLAINTEXT_KEYRING,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    previous = keyring.core._keyring_backend
    keyring.core._keyring_backend = None  # chosen again from the environment above
    env = {**os.environ, **values, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    yield env
    keyring.core._keyring_backend = previous


@pytest.fixture
def client(tmp_path: Path, keel_env: dict[str, str]) -> Iterator[Any]:
    """`client("a")` is a `keel` client with the data dir tmp_path/a."""

    def make(name: str) -> Keel:
        return Keel(tmp_path / name, keel_env)

    yield make


@contextlib.contextmanager
def serve(db_url: str, port: int = 0, **overrides: Any) -> Iterator[str]:
    """uvicorn in a thread on `port` (0: a free one); the same port again brings the server "back"."""
    from server.app import create_app
    from server.serve import build_server
    from tests.conftest import test_settings

    app = create_app(test_settings(db_url, **overrides))
    server = build_server(app, host="127.0.0.1", port=port, log_level="warning", log_config=None, ws="none")
    thread = threading.Thread(target=server.run, name="keel-cli-test-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        if thread.is_alive():
            server.force_exit = True
            thread.join(30)
        app.state.services.db.dispose()


@pytest.fixture
def server_url(db_url: str) -> Iterator[str]:
    with serve(db_url) as url:
        yield url


@pytest.fixture
def api(server_url: str) -> Iterator[Api]:
    """The protocol over HTTP to the live server, for people who are not `keel` clients (owners, teammates)."""
    with httpx.Client(base_url=server_url, timeout=30) as http:
        yield Api(http)


def person_with_project(api: Api, email: str, key: str = "APP") -> tuple[Person, str]:
    """Registers `email` (password PASSWORD) and has them create project `key` (statuses To do, Doing, Done)."""
    owner = api.person(email=email)
    project_id = new_id()
    owner.ok("project.create", {"id": project_id, "name": "应用", "key": key, "kind": "product"})
    return owner, project_id
