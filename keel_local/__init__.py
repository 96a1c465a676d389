"""This device's ground, shared by the app and the `keel` command: its folders, a free port, a
server's health wait and the demo server's command line.

A leaf: it imports nothing of Keel, so the app reaches it without the command line (the app bundle
leaves `keel_cli/` and `server/` out) and the command line without the app or the client's store
(`keel --help` loads no `sync` module). Only the standard library at import time.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

DEMO_DATABASE = "keel-demo.db"
HEALTH_PATH = "/api/v1/health"


def _user_data() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("keel", "keel"))


def server_data_dir() -> Path:
    """Where the server keeps its files by default (the same folder as `server.settings.default_database_url`)."""
    return _user_data() / "server"


def default_data_dir() -> Path:
    """The client's folder in the user data directory (the server's sits beside it): the app and `keel` share it."""
    return _user_data() / "client"


def demo_client_dir() -> Path:
    """The demo's app cache: beside, never instead of, the real client's data directory."""
    return _user_data() / "demo-client"


def demo_database_url(*, fresh: bool = False) -> str:
    """The demo's own SQLite file, beside (never instead of) the real server database."""
    folder = server_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_DATABASE
    if fresh:
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def demo_server_command(host: str, port: int, *, fresh: bool = False, log_level: str | None = None) -> list[str]:
    """`keel server --demo` on the demo's own database, as a command line (for `keel demo` and the app)."""
    command = [sys.executable, "-m", "keel_cli", "server", "--demo", "--host", host, "--port", str(port)]
    command += ["--database-url", demo_database_url(fresh=fresh)]
    return command + (["--log-level", log_level] if log_level else [])


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, child: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Waits until the server at `url` answers its health check; False when `child` ends or time runs out."""
    import urllib.request  # here: `keel status` and friends start without http.client and email

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as response:
                if json.load(response).get("status") == "ok":
                    return True
        except (OSError, ValueError):  # URLError is an OSError
            pass
        time.sleep(0.1)
    return False
