"""The embedded demo server behind "Try the demo": `keel server --demo` on a free loopback port.

`keel demo` starts one before the app and hands its URL over; `keel app` starts one only when the
person presses the button (and says so plainly if the server's dependencies are not installed).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from dataclasses import dataclass

DEMO_EMAIL = "wangwei@demo.keel"  # the same as server.demo's; no server import in the app
DEMO_PASSWORD = "keel-demo"


class DemoUnavailable(Exception):
    """The demo server could not start; the message says why, for a person."""


@dataclass
class DemoServer:
    url: str
    process: subprocess.Popen[bytes] | None = None  # None: started by someone else (keel demo)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def server_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("fastapi", "uvicorn", "argon2"))


async def start_demo_server(*, fresh: bool = False) -> DemoServer:
    """Starts `keel server --demo` and waits until it answers its health check."""
    from keel_local import demo_server_command, free_port, wait_healthy

    if not server_installed():
        raise DemoUnavailable("server dependencies missing")
    host, port = "127.0.0.1", free_port()
    url = f"http://{host}:{port}"
    command = demo_server_command(host, port, fresh=fresh, log_level="warning")
    process = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.DEVNULL)
    healthy = await asyncio.to_thread(wait_healthy, url, process, 120.0)
    if not healthy:
        process.kill()
        raise DemoUnavailable(f"the demo server did not start (exit code {process.poll()})")
    return DemoServer(url, process)
