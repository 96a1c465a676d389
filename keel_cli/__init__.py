"""The `keel` command: `keel server` runs the sync server, `keel demo` runs it with demo data, and the
client commands (`keel login`, `keel sync`, `keel tasks ...`, see `keel_cli.client`) work on a local store.

Import-light on purpose: the app bundle ships without the server's dependencies, so nothing from
`server` (FastAPI, uvicorn, argon2), nor the client's store and engine, is imported until a
subcommand needs it.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keel_local import demo_database_url, free_port  # the leaf the app shares (keel_local)

if TYPE_CHECKING:
    import subprocess

__all__ = ["build_parser", "demo_database_url", "free_port", "main", "seed_demo_data", "server_settings"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keel", description="Keel: project management for internet teams.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", title="commands", required=True)

    server = commands.add_parser(
        "server",
        help="run the sync server",
        description="Runs the Keel sync server. Every setting can also come from a KEEL_* environment "
        "variable (KEEL_HOST, KEEL_PORT, KEEL_DATABASE_URL, KEEL_DEMO, ...); flags win over them.",
    )
    server.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, help="port to listen on (default 8765)")
    server.add_argument(
        "--database-url",
        help="sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/db "
        "(default: a SQLite file in the user data directory)",
    )
    server.add_argument("--demo", action="store_true", default=None, help="seed demo data when the database is empty")
    server.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])
    server.set_defaults(run=run_server_command)

    demo = commands.add_parser(
        "demo",
        help="run a server with demo data on a local port",
        description="Starts `keel server --demo` on a loopback port (the same one as last time, when it "
        "is free), with its own database in the user data directory, prints the address and the demo "
        "sign-in, and runs until Ctrl-C.",
    )
    demo.add_argument(
        "--fresh", action="store_true", help="start from a new demo database (due dates relative to now again)"
    )
    demo.add_argument("--web", action="store_true", help="serve the app to the browser instead of a desktop window")
    demo.add_argument("--port", type=int, help="the app's port in web mode (default: the one of last time)")
    demo.add_argument("--api-only", action="store_true", help="run only the demo server, not the app")
    demo.set_defaults(run=run_demo_command)

    app = commands.add_parser(
        "app",
        help="run the Keel app (a desktop window, or the browser with --web)",
        description="Runs the Keel app on the local store of --data-dir (shared with the client commands). "
        "Where the desktop client cannot start, the app is served to the browser and its URL printed.",
    )
    app.add_argument("--server", help="the server address the sign-in form suggests")
    app.add_argument("--web", action="store_true", help="serve the app to the browser instead of a desktop window")
    app.add_argument("--port", type=int, help="the port in web mode (default: a free one)")
    app.add_argument("--host", default="127.0.0.1", help="the address to serve on in web mode (default 127.0.0.1)")
    app.add_argument("--demo-server", metavar="URL", help='the server "Try the demo" signs in to (default: start one)')
    app.add_argument("--data-dir", type=Path, default=None, metavar="DIR", help="where the app keeps its cache")
    app.set_defaults(run=run_app_command)

    from keel_cli.client import add_client_commands

    add_client_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from keel_cli._local import CliError

    args = build_parser().parse_args(argv)
    # `kill -USR1 <pid>` prints every thread's stack to stderr: how a hung `keel server` or `keel app`
    # says where it is (docs/app.md "When the app or the server hangs"). Not on Windows, nor where
    # stderr is no file (main() called in-process with its output captured).
    with contextlib.suppress(AttributeError, ValueError, OSError):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print(f"keel: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `keel tasks list | head`: the reader left; say nothing more
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


# --- keel server -----------------------------------------------------------------------------


def run_server_command(args: argparse.Namespace) -> int:
    try:
        from server.serve import run_server
    except ImportError as exc:
        print(f"keel server needs the server's dependencies (pip install 'keel[server]'): {exc}", file=sys.stderr)
        return 1
    settings = server_settings(args)
    if settings.demo:
        seed_demo_data(settings)
    run_server(settings)
    return 0


def server_settings(args: argparse.Namespace) -> Any:
    """`KEEL_*` environment variables, overridden by the flags that were given."""
    from server.settings import get_settings

    return get_settings(
        host=args.host,
        port=args.port,
        database_url=args.database_url,
        demo=args.demo,
        log_level=args.log_level,
    )


def seed_demo_data(settings: Any) -> bool:
    """Seeds the demo into an empty database (migrating it first); says what it did either way."""
    from server.db import Database, migrate
    from server.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
    from server.security import Passwords

    db = Database(settings.resolved_database_url())
    try:
        migrate(db.engine)
        seeded = seed_demo(db, passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_kib))
    finally:
        db.dispose()
    if seeded:
        _say(f"Seeded the demo data. Sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}.")
    else:
        _say("The database is not empty: skipped the demo data.")
    return seeded


# --- keel demo -------------------------------------------------------------------------------


def run_demo_command(args: argparse.Namespace) -> int:
    try:
        import server.demo  # noqa: F401
    except ImportError as exc:
        print(f"keel demo needs the server's dependencies (pip install 'keel[server]'): {exc}", file=sys.stderr)
        return 1
    from keel_cli._demo import run_demo

    return run_demo(args)


def run_app_command(args: argparse.Namespace) -> int:
    from app.main import run

    return run(
        data_dir=args.data_dir,
        server=args.server,
        web=args.web,
        port=args.port,
        host=args.host,
        demo_url=args.demo_server,
    )


@contextlib.contextmanager
def _child(command: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """Runs the server process and makes sure it ends with us, on Ctrl-C and on SIGTERM alike."""

    import subprocess

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    child = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        yield child
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not interrupt the cleanup
        if child.poll() is None:
            child.send_signal(signal.SIGINT if sys.platform != "win32" else signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        signal.signal(signal.SIGTERM, previous)


def _say(line: str) -> None:
    print(line, flush=True)


class _Version(argparse.Action):
    """`--version`, which looks the version up only when asked (importlib.metadata costs every run)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kw: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keel")
    except PackageNotFoundError:
        return "unknown"
