"""The commands that talk to the server: `keel login`, `keel logout` and `keel sync [--watch]`.

The refresh token goes to the keyring (`sync.credentials.Credentials`), never into the data
directory; the access token lives in this process only, so each run starts with one refresh.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from keel_cli._local import (
    FAILED,
    NOT_SIGNED_IN,
    UNREACHABLE,
    CliError,
    data_dir_of,
    open_store,
    require_signed_in,
    sync_errors,
    sync_lock,
)
from keel_cli._output import ProgressBar

if TYPE_CHECKING:
    from sync.engine import Remote
    from sync.store import Store

T = TypeVar("T")


def _credentials() -> Any:
    """The keyring-backed token store; says how to choose a keyring when there is none we may use."""
    from sync.credentials import Credentials, CredentialsError

    credentials = Credentials()
    try:
        credentials.backend()
    except CredentialsError as exc:
        raise CliError(str(exc), NOT_SIGNED_IN) from exc
    return credentials


def _remote(store: Store) -> Remote:
    from sync.engine import Remote

    require_signed_in(store)
    assert store.server_url is not None
    return Remote(store.server_url, _credentials(), account=store.account)


async def _talking(server: str, call: Awaitable[T]) -> T:
    """Awaits one exchange with the server, turning its failures into sentences."""
    from sync.errors import SyncError

    try:
        return await call
    except SyncError as exc:
        raise explained(server, exc) from exc


def explained(server: str, exc: Exception) -> CliError:
    from sync.credentials import CredentialsError
    from sync.errors import ApiError, NetworkError, NotSignedIn

    if isinstance(exc, NetworkError):
        return CliError(f"Cannot reach the server at {server}. Check the address and your connection.", UNREACHABLE)
    if isinstance(exc, NotSignedIn):
        return CliError(
            f"The sign-in to {server} has ended ({exc.message}). Run: keel login --server {server} --email YOU",
            NOT_SIGNED_IN,
        )
    if isinstance(exc, CredentialsError):
        return CliError(str(exc), NOT_SIGNED_IN)
    if isinstance(exc, ApiError):
        return CliError(f"The server said: {exc.message}", FAILED)
    return CliError(str(exc), FAILED)


# --- keel login / logout --------------------------------------------------------------------


@sync_errors
def run_login(args: argparse.Namespace) -> int:
    import asyncio

    from sync.credentials import normalise_server

    try:
        server = normalise_server(args.server)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    credentials = _credentials()  # before asking for a password that could not be kept
    password = _read_password(args)
    folder = data_dir_of(args)
    with sync_lock(folder), open_store(args) as store:
        user = asyncio.run(_login(store, server, args.email, password, credentials, args.discard_unsynced))
        from keel_cli._push import register_again_quietly  # clients register again at each sign-in (docs/push.md)

        register_again_quietly(store)
    print(f"Signed in to {server} as {user['display_name']} <{user['email']}>. Run `keel sync` to fetch your projects.")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        try:
            password = getpass.getpass(f"Password for {args.email}: ")
        except EOFError:
            password = ""
    if not password:
        raise CliError("No password given (type it at the prompt, or pipe it with --password-stdin).")
    return password


async def _login(store: Store, server: str, email: str, password: str, credentials: Any, discard: bool) -> Any:
    from sync.engine import Remote
    from sync.errors import ApiError, SyncError
    from sync.session import OtherAccount, admit

    async with Remote(server, credentials) as remote:
        try:
            user = await remote.login(email, password)
        except ApiError as exc:  # a 401 here is a wrong password, not an ended sign-in
            if exc.status >= 500:
                raise explained(server, exc) from exc
            raise CliError(f"Sign-in refused: {exc.message}", NOT_SIGNED_IN) from exc
        except SyncError as exc:
            raise explained(server, exc) from exc
        try:
            await admit(store, remote, server, user, discard=discard)  # the sign-in policy the app shares
        except OtherAccount as exc:  # another person's data dir: signing in would drop their queued changes
            raise CliError(
                f"This data directory belongs to {exc.account}, who has {exc.unsynced} unsynced change(s). "
                "Sync them first, use another --data-dir, or pass --discard-unsynced to drop them."
            ) from exc
    return user


@sync_errors
def run_logout(args: argparse.Namespace) -> int:
    import asyncio

    with open_store(args) as store:
        if store.user_id is None or store.server_url is None:
            print("Not signed in.")
            return 0
        server, account, unsynced = store.server_url, store.account, store.pending_count()
        told = asyncio.run(_logout(store, _remote(store)))
    print(f"Signed out of {server} ({account}) on this device.")
    if not told:
        print("The server could not be reached to end the session there; the token is forgotten here.", file=sys.stderr)
    if unsynced:
        print(f"{unsynced} unsynced change(s) stay queued until you sign in again as {account}.", file=sys.stderr)
    return 0


async def _logout(store: Store, remote: Remote) -> bool:
    from sync.session import end_session

    async with remote:  # the keyring entry goes even when the server cannot be told; the outbox stays
        return await end_session(store, remote, forget_data=False)


# --- keel sync ------------------------------------------------------------------------------


@sync_errors
def run_sync(args: argparse.Namespace) -> int:
    import asyncio

    folder = data_dir_of(args)
    with sync_lock(folder), open_store(args) as store:
        remote = _remote(store)
        if args.watch:
            return asyncio.run(_watch(store, remote))
        return asyncio.run(_sync_once(store, remote, quiet=args.quiet))


async def _sync_once(store: Store, remote: Remote, *, quiet: bool) -> int:
    from sync.engine import SyncEngine

    bar = ProgressBar()
    if not quiet:
        bar.say(f"syncing with {remote.base_url}: {store.pending_count()} change(s) to send")
    async with remote:
        report = await _talking(remote.base_url, SyncEngine(store, remote).sync(None if quiet else bar))
    bar.finish()
    if not quiet:
        print(
            f"Synced with {remote.base_url}: sent {report.pushed}, received {report.pulled_rows} row(s), "
            f"cursor {report.cursor}.",
            file=sys.stderr,
        )
    _warn_rejections(report.rejected)
    return 0


def _warn_rejections(rejected: list[Any]) -> None:
    for rejection in rejected:
        print(f"The server refused {rejection.name}: {rejection.message} (see keel status)", file=sys.stderr)


async def _watch(store: Store, remote: Remote) -> int:
    """Syncs now, then on every poke of the event stream and every local change, until Ctrl-C or SIGTERM."""
    import asyncio

    from sync.engine import SyncEngine

    logging.basicConfig(level=logging.WARNING, format="keel: %(message)s", stream=sys.stderr)
    stop = asyncio.Event()
    _on_signals(stop.set)
    engine = SyncEngine(store, remote)

    def on_change(changes: Any) -> None:
        if changes.source in ("pull", "push") and (changes.rows or changes.rejections):
            counts = ", ".join(f"{len(ids)} {entity}" for entity, ids in sorted(changes.rows.items()))
            print(f"synced: {counts or 'no rows'}; cursor {store.cursor}, {store.pending_count()} queued", flush=True)
        if changes.rejections:
            _warn_rejections(store.rejections()[-1:])

    unsubscribe = store.subscribe(on_change)
    print(f"Watching {remote.base_url} for changes; Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        async with remote:
            await _talking(remote.base_url, engine.run(stop))
    finally:
        unsubscribe()
    print("Stopped.", file=sys.stderr)
    return 0


def _on_signals(callback: Callable[[], None]) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, ValueError):  # Windows, or not the main thread
            loop.add_signal_handler(sig, callback)
