"""The client commands' ground: the data directory and its store, the sync lock, and errors a person reads.

Nothing here imports `sync.store` or `sync.engine` at module level: `keel --help` and `keel server`
must not pay for SQLite schemas, httpx or keyring.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from keel_local import default_data_dir

if TYPE_CHECKING:
    from sync.store import Store

LOCK_FILE = "sync.lock"

# Exit codes, besides 0 (done) and argparse's 2 (a command line it cannot read).
FAILED = 1  # the command could not do what was asked (unknown project, status, task, ...)
NOT_SIGNED_IN = 3  # no sign-in, an ended one, or no keyring to keep it in
UNREACHABLE = 4  # the server could not be reached; local changes stay queued
SYNC_BUSY = 5  # another process is syncing this data directory

EXIT_CODES_HELP = (
    "exit codes: 0 done, 1 failed (e.g. an unknown project, status or task), 2 bad command line, "
    "3 not signed in (or no keyring), 4 server unreachable (changes stay queued), 5 another sync runs "
    "on this data directory"
)


class CliError(Exception):
    """A failure worth one sentence to a person, and the exit code that goes with it."""

    def __init__(self, message: str, exit_code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(  # no explicit default: a parser's `argument_default` applies
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"where this client keeps its cache and outbox (default: {default_data_dir()})",
    )


def data_dir_of(args: argparse.Namespace) -> Path:
    folder: Path = args.data_dir or default_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"Cannot use the data directory {folder}: {exc.strerror or exc}") from exc
    return folder


@contextlib.contextmanager
def open_store(args: argparse.Namespace) -> Iterator[Store]:
    from sync.store import STORE_FILE, Store

    folder = data_dir_of(args)
    try:
        store = Store.open(folder / STORE_FILE)
    except Exception as exc:  # sqlite3.Error, or an OSError from the file system
        raise CliError(f"Cannot open the local store in {folder}: {exc}") from exc
    try:
        yield store
    finally:
        store.close()


def require_signed_in(store: Store) -> None:
    if store.user_id is None or store.server_url is None:
        raise CliError(
            "Not signed in on this data directory. Run: keel login --server URL --email YOU@EXAMPLE.COM",
            NOT_SIGNED_IN,
        )


def sync_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turns what the store and engine raise into `CliError`s; anything else is a bug and keeps its traceback."""

    def run(args: argparse.Namespace) -> int:
        from sync.errors import InvalidMutation, SyncError

        try:
            return func(args)
        except InvalidMutation as exc:
            raise CliError(f"That change is not valid: {exc}") from exc
        except SyncError as exc:
            raise CliError(str(exc)) from exc

    run.__doc__ = func.__doc__
    return run


# --- one engine per data directory ----------------------------------------------------------


@contextlib.contextmanager
def sync_lock(folder: Path) -> Iterator[None]:
    """Holds `folder`'s lock file for as long as a sync engine runs on it; refuses when another holds it.

    The lock is an OS file lock (flock, or msvcrt's byte lock on Windows), so a process that dies,
    even by SIGKILL, releases it; the file itself is left in place on purpose (unlinking it would let
    two processes lock two different files).
    """
    path = folder / LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        if not _try_lock(handle):
            holder = _read_holder(handle)
            who = f"process {holder}" if holder else "another keel process"
            raise CliError(
                f"A sync is already running on {folder} ({who}). Only one may run per data directory; "
                "wait for it to finish or stop it (keel sync --watch ends on Ctrl-C).",
                SYNC_BUSY,
            )
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_holder(handle: IO[str]) -> str:
    try:
        handle.seek(0)
        return handle.read().strip()
    except OSError:  # Windows: the holder's locked byte cannot be read
        return ""


# --- times: the device's zone in, the device's zone out --------------------------------------


def parse_when(text: str) -> datetime:
    """`2030-01-31`, `2030-01-31 17:00` or any ISO 8601 time; without an offset it is the device's local time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"Not a date: {text!r}. Use YYYY-MM-DD, or YYYY-MM-DD HH:MM (local time).") from None
    return value if value.tzinfo is not None else value.astimezone()


def local_time(value: Any) -> str:
    """A protocol time as the device's local time; a due date at local midnight shows as the date alone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return str(value)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")
