"""The app's one door to data: the local store, the sync engine that runs beside it, and sign-in.

The UI reads only the store and acts only through the store's actions; it never talks HTTP. This
module owns the rest: opening the store of a data directory, signing in (which fills the keyring
through `sync.credentials`), running `SyncEngine.run` in the background of the UI's event loop,
and a `SyncStatus` that the status bar renders. Nothing here imports Flet, so it is tested in
plain pytest against a real server.

    core = Core(data_dir)
    core.subscribe_status(print)
    await core.sign_in("http://127.0.0.1:8765", "wangwei@demo.keel", "keel-demo")
    core.store.board(project_id)
    await core.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app import problems
from sync.engine import Backoff, Progress, Remote, SyncEngine
from sync.errors import ApiError, NetworkError, NotSignedIn, SyncError
from sync.push import register_again
from sync.session import OtherAccount, admit, end_session
from sync.store import STORE_FILE, AppStore, Changes, Store
from sync.tokens import MemoryTokenStore, TokenStore

log = logging.getLogger("keel.app")

# While the app is open the event stream retries within a second, so a server that comes back is
# seen at once; the sync's own retries keep the engine's longer backoff, and each reconnect cuts
# their wait short (sync.engine).
RECONNECT = Backoff(base=0.25, cap=1.0)
RESTART_S = 5.0  # after an unexpected failure of the engine, start it again after this long


@dataclass(frozen=True)
class SyncStatus:
    """What the always-visible status shows.

    phase: 'signed_out', 'bootstrapping' (the first sync, with `rows`/`total`), 'syncing',
    'online', 'offline' (the last sync failed; a retry is waiting) or 'ended' (the server ended the
    sign-in: sign in again).
    """

    phase: str = "signed_out"
    pending: int = 0
    rejected: int = 0
    rows: int = 0
    total: int | None = None
    error: str | None = None  # a catalogue key from app.problems (the detail went to the log)


class SignInError(Exception):
    """A sign-in that failed: `reason` ('refused', 'unreachable', 'keyring', 'other_account' or
    'server'), `problem` the catalogue key the UI shows (app.problems), `detail` for the log."""

    def __init__(self, reason: str, detail: str = "", *, problem: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.problem = problem or {
            "unreachable": problems.UNREACHABLE,
            "keyring": problems.KEYRING,
            "other_account": problems.OTHER_ACCOUNT,
            "server": problems.SERVER,
        }.get(reason, problems.REFUSED)
        log.warning("sign-in failed (%s): %s", reason, detail)


def default_tokens() -> TokenStore:
    """The keyring-backed token store (the CLI's too), so a sign-in survives a restart."""
    from sync.credentials import Credentials

    return Credentials()


class Core:
    """One data directory, its store and (once signed in) its sync engine.

    `tokens` is where the refresh token goes: the keyring by default; the demo passes a
    `MemoryTokenStore` (its server lives only as long as the app). All methods run on one asyncio
    loop (Flet's): the store is never touched from two threads.
    """

    def __init__(self, data_dir: Path, *, tokens: TokenStore | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self._store = Store.open(data_dir / STORE_FILE)  # both faces: the engine and the sign-in policy get it
        self.store: AppStore = self._store  # the app's face: queries, actions, subscription
        self._tokens = tokens
        self.remote: Remote | None = None
        self.engine: SyncEngine | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._status_listeners: list[Callable[[SyncStatus], None]] = []
        self.status = SyncStatus(pending=self.store.pending_count(), rejected=len(self.store.rejections()))
        self.store.subscribe(self._on_store_change)

    # --- status -----------------------------------------------------------------------------

    def subscribe_status(self, listener: Callable[[SyncStatus], None]) -> Callable[[], None]:
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener) if listener in self._status_listeners else None

    def _set_status(self, **fields: Any) -> None:
        status = replace(self.status, **fields)
        if status != self.status:
            self.status = status
            for listener in list(self._status_listeners):
                try:
                    listener(status)
                except Exception:  # one window's failure must not stop the status reaching the rest
                    log.exception("a status listener failed (%r)", listener)

    def _on_store_change(self, changes: Changes) -> None:
        if changes.outbox or changes.rejections:
            self._set_status(pending=self.store.pending_count(), rejected=len(self.store.rejections()))

    @property
    def signed_in(self) -> bool:
        return self.store.user_id is not None and self.store.server_url is not None

    @property
    def tokens(self) -> TokenStore:
        if self._tokens is None:
            self._tokens = default_tokens()
        return self._tokens

    # --- sign in, resume, sign out ----------------------------------------------------------

    async def running_server(self, candidates: list[str | None], *, timeout: float = 2.0) -> str:
        """The first of `candidates` (the --server given, the last one used, the default) that
        answers its health check, for the sign-in form to suggest; "" when none does, so the
        form never suggests a server that is not running."""
        from sync.credentials import normalise_server
        from sync.tokens import MemoryTokenStore

        for candidate in dict.fromkeys(c for c in candidates if c):
            try:
                url = normalise_server(candidate)
            except ValueError:
                continue
            async with Remote(url, MemoryTokenStore(), timeout=timeout) as remote:
                try:
                    await remote.health()
                except SyncError:
                    continue
            return candidate
        return ""

    async def sign_in(self, server: str, email: str, password: str, *, tokens: TokenStore | None = None) -> None:
        """Signs in and starts syncing (the first sync reports progress through the status).
        `tokens` replaces the token store from now on (the demo keeps its tokens in memory)."""
        from sync.credentials import CredentialsError, normalise_server

        if tokens is not None:
            self._tokens = tokens
        try:
            server = normalise_server(server)
        except ValueError as exc:
            raise SignInError("server", str(exc), problem=problems.BAD_SERVER) from exc
        try:
            tokens = self.tokens
            if hasattr(tokens, "backend"):
                tokens.backend()  # before the password travels: is there a keyring to keep the token in?
        except CredentialsError as exc:
            raise SignInError("keyring", str(exc)) from exc
        remote = Remote(server, tokens)
        log.info("signing in to %s", server)
        try:
            user = await remote.login(email.strip(), password)
        except NotSignedIn as exc:
            await remote.aclose()
            raise SignInError("refused", exc.message, problem=problems.problem_of(exc)) from exc
        except ApiError as exc:
            await remote.aclose()
            reason = "refused" if exc.status < 500 else "server"
            raise SignInError(reason, exc.message, problem=problems.problem_of(exc)) from exc
        except NetworkError as exc:
            await remote.aclose()
            raise SignInError("unreachable", str(exc)) from exc
        except CredentialsError as exc:
            await remote.aclose()
            raise SignInError("keyring", str(exc)) from exc
        try:
            await admit(self._store, remote, server, user)  # the sign-in policy `keel login` shares
        except OtherAccount as exc:
            await remote.aclose()
            raise SignInError("other_account", str(exc.account)) from exc
        log.info("signed in to %s; syncing", server)
        await self._start(remote)
        with contextlib.suppress(SyncError):  # a device registers its push again at each sign-in (docs/push.md)
            await register_again(remote, self._store)

    async def resume(self) -> bool:
        """Starts syncing the account this data directory was signed in to, if its token is still
        kept; False when the person must sign in (again). Works offline: the engine retries."""
        if not self.signed_in:
            return False
        server, account = self.store.server_url, self.store.account
        assert server is not None and account is not None
        try:
            token = self.tokens.load_refresh_token(server, account)
        except SyncError as exc:  # no keyring here any more
            log.warning("cannot read the sign-in of %s: %s", account, exc)
            return False
        if not token:
            return False
        await self._start(Remote(server, self.tokens, account=account))
        return True

    async def _start(self, remote: Remote) -> None:
        previous = self.remote
        await self._halt()
        if previous is not None and previous is not remote:
            await previous.aclose()  # signing in again (the server ended the sign-in): free its sockets
        self.remote = remote
        engine = SyncEngine(self._store, remote, reconnect=RECONNECT)
        self.engine = engine
        bootstrapping = engine.bootstrapping
        self._set_status(phase="bootstrapping" if bootstrapping else "syncing", rows=0, total=None, error=None)

        def on_state(state: str) -> None:
            if state == "syncing" and self.status.phase == "bootstrapping":
                return
            if state == "offline":
                error = engine.last_error
                if error is None:
                    self._set_status(phase="offline", error=problems.UNREACHABLE)
                elif self.status.phase != "offline":  # the detail goes to the log once per outage
                    self._set_status(phase="offline", error=problems.problem_of(error, log_as="offline"))
            elif state in ("online", "syncing"):
                self._set_status(phase=state, error=None)

        def on_progress(progress: Progress) -> None:
            if self.status.phase == "bootstrapping":
                self._set_status(rows=progress.rows, total=progress.total)

        engine.on_state = on_state
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(engine, on_progress))

    async def _run(self, engine: SyncEngine, on_progress: Callable[[Progress], None]) -> None:
        """Runs the engine until stopped. Sync never dies: after an unexpected failure (a bug) it
        is logged, shown as offline, and the engine starts again."""
        while not self._stop.is_set():
            try:
                await engine.run(self._stop, on_progress)
                return
            except NotSignedIn as exc:
                self._set_status(phase="ended", error=problems.problem_of(exc, log_as="the server ended the sign-in"))
                return
            except Exception as exc:
                self._set_status(phase="offline", error=problems.problem_of(exc, log_as="sync failed; restarting"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), RESTART_S)

    async def sync_now(self) -> None:
        """Asks the running engine for a sync (the status bar's retry)."""
        if self.engine is not None and self.status.phase in ("offline", "online"):
            self._set_status(phase="syncing")
            try:
                await self.engine.sync()
                self._set_status(phase="online", error=None)
            except SyncError as exc:
                self._set_status(phase="offline", error=problems.problem_of(exc, log_as="sync now failed"))

    async def sign_out(self) -> None:
        """Ends the session here and on the server and forgets this account's cache. Unsynced edits
        are dropped: the UI asks first."""
        remote, self.remote = self.remote, None
        await self._halt()
        tokens = self.tokens if remote is None and self.signed_in else None  # no engine ran: forget the kept token
        await end_session(self._store, remote, tokens, forget_data=True)
        if remote is not None:
            await remote.aclose()
        self._set_status(phase="signed_out", rows=0, total=None, error=None, pending=0, rejected=0)

    async def _halt(self) -> None:
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.engine = None

    async def close(self) -> None:
        remote, self.remote = self.remote, None
        await self._halt()
        if remote is not None:
            await remote.aclose()
        self.store.close()


def demo_tokens() -> TokenStore:
    """The demo's server lives only as long as the app: its tokens need no keyring."""
    return MemoryTokenStore()
