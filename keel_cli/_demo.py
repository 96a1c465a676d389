"""`keel demo`: the demo server and the app, in the same place every time.

The demo remembers its ports in its client data directory (`demo.json`), so a restart comes back
at the same addresses: the server's (the app's cache and sign-in belong to it, so the app resumes
where the person was, with no first sync) and, in web mode, the app's (the browser tab that was
open reconnects). A demo server still answering on its port is used as it is. A port that another
program took is said plainly, in the person's language, and a free one is chosen and remembered.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

PLACE_FILE = "demo.json"  # ports only; never a token


@dataclass
class Place:
    server_port: int | None = None
    app_port: int | None = None

    @classmethod
    def load(cls, folder: Path) -> Place:
        try:
            saved = json.loads((folder / PLACE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls(**{k: v for k, v in saved.items() if k in ("server_port", "app_port") and isinstance(v, int)})

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / PLACE_FILE).write_text(json.dumps(asdict(self)), encoding="utf-8")


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nobody listens on `port` (connections of the last run still closing do not count: the
    server binds with SO_REUSEADDR as well)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(saved: int | None, taken_key: str, host: str = "127.0.0.1") -> tuple[int, str | None]:
    """The remembered port when it is free, else a free one and the line that says why."""
    from app.i18n import t
    from keel_local import free_port

    if saved is not None and port_free(saved, host):
        return saved, None
    port = free_port(host)
    return port, (t(taken_key, port=saved, new_port=port) if saved is not None else None)


def demo_healthy(url: str) -> bool:
    """A Keel server answers at `url` (the demo of a `keel demo` that is still running)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
            return bool(json.load(response).get("status") == "ok")
    except (OSError, ValueError):
        return False


def speak_the_persons_language(folder: Path) -> None:
    """The lines below in the language the demo app was set to (or the system's)."""
    from app.i18n import set_locale, system_locale

    try:
        language = json.loads((folder / "settings.json").read_text(encoding="utf-8")).get("language")
    except (OSError, ValueError):
        language = None
    set_locale(language if language in ("zh-CN", "en") else system_locale())


def run_demo(args: argparse.Namespace) -> int:
    from app.i18n import t
    from keel_cli import _child, _say
    from keel_local import demo_client_dir, demo_server_command, wait_healthy
    from server.demo import DEMO_EMAIL, DEMO_PASSWORD

    host, folder = "127.0.0.1", demo_client_dir()
    speak_the_persons_language(folder)
    place = Place.load(folder)
    reused = (
        place.server_port is not None
        and not args.fresh
        and not port_free(place.server_port, host)
        and demo_healthy(f"http://{host}:{place.server_port}")
    )
    if reused:
        assert place.server_port is not None
        port = place.server_port
    else:
        port, line = choose_port(place.server_port, "demo.port_taken", host)
        if line:
            _say(line)
    place.server_port = port
    if not args.port and not args.api_only:  # the app's web port too (a headless machine serves it even without --web)
        args.port, line = choose_port(place.app_port, "demo.app_port_taken", host)
        if line:
            _say(line)
        place.app_port = args.port
    place.save(folder)
    url = f"http://{host}:{port}"
    try:
        if reused:
            _say(t("demo.reused", url=url))
            return _run_app(args, url)
        with _child(demo_server_command(host, port, fresh=args.fresh)) as child:
            if not wait_healthy(url, child, timeout_s=120.0):
                print(t("demo.failed"), file=sys.stderr)
                return child.poll() or 1
            _say(t("demo.server", url=url))
            _say(t("demo.sign_in", email=DEMO_EMAIL, password=DEMO_PASSWORD))
            _say(t("demo.stop"))
            if args.api_only:
                return child.wait()
            return _run_app(args, url)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) is how a demo ends: the server was stopped cleanly
        return 0


def _run_app(args: argparse.Namespace, url: str) -> int:
    """The app runs as a process of its own, like the server: Flet's web server takes over the
    signal handlers of the process it runs in, and `keel demo` must end both cleanly."""
    from keel_cli import _child
    from keel_local import demo_client_dir

    if args.api_only:
        return 0
    app = [sys.executable, "-m", "keel_cli", "app", "--data-dir", str(demo_client_dir()), "--demo-server", url]
    app += ["--web"] if args.web else []
    app += ["--port", str(args.port)] if args.port else []
    with _child(app) as app_child:
        return app_child.wait()  # the window was closed: the server stops with us
