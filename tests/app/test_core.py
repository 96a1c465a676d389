"""`app.core.Core` against the real server on a loopback port, seeded with the demo (SQLite, and
PostgreSQL when configured): sign-in and its failures, the first sync, pending edits, resume, sign-out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from keyring.backends import fail

from app.core import STORE_FILE, Core, SignInError, SyncStatus
from server.db import Database, migrate
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo, task_id
from server.security import Passwords
from sync.credentials import Credentials, service_name
from sync.tokens import MemoryTokenStore, TokenStore
from tests.conftest import pg_database
from tests.live_server import live_server
from tests.sync.memory_keyring import MemoryKeyring

WAIT_S = 30.0


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the demo, seeded once per backend for this module."""

    def seeded(url: str) -> str:
        db = Database(url)
        migrate(db.engine)
        assert seed_demo(db, passwords=Passwords(1, 1024)) is True
        db.dispose()
        return url

    if request.param == "sqlite":
        yield seeded(f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db")
        return
    with pg_database(request, "keel_core") as url:
        yield seeded(url)


@pytest.fixture(scope="module")
def server(demo_db: str) -> Iterator[str]:
    """The demo server's base URL (uvicorn in a thread: the engine follows the event stream)."""
    with live_server(demo_db) as url:
        yield url


@pytest.fixture
async def make_core(tmp_path: Path) -> AsyncIterator[Callable[..., Core]]:
    """Cores on data directories under tmp_path (one unless named), closed after the test."""
    cores: list[Core] = []

    def make(name: str = "data", tokens: TokenStore | None = None) -> Core:
        # Never the machine's keyring: a token store in memory unless the test brings one.
        core = Core(tmp_path / name, tokens=tokens or MemoryTokenStore())
        cores.append(core)
        return core

    yield make
    for core in cores:
        await core.close()


async def until(core: Core, predicate: Callable[[SyncStatus], bool]) -> SyncStatus:
    """Waits for a status that passes `predicate` (the current one counts)."""
    if predicate(core.status):
        return core.status
    reached = asyncio.Event()
    unsubscribe = core.subscribe_status(lambda status: reached.set() if predicate(status) else None)
    try:
        await asyncio.wait_for(reached.wait(), WAIT_S)
    finally:
        unsubscribe()
    return core.status


def online(status: SyncStatus) -> bool:
    return status.phase == "online"


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- signing in -------------------------------------------------------------------------------------


async def test_sign_in_bootstraps_the_demo_with_progress(server: str, make_core: Callable[..., Core]) -> None:
    core = make_core()
    seen: list[SyncStatus] = []
    core.subscribe_status(seen.append)
    assert core.status == SyncStatus() and not core.signed_in
    # The URL as a person may type it: the store keeps its canonical form.
    await core.sign_in(server.replace("http://", "HTTP://") + "/", f"  {DEMO_EMAIL.upper()} ", DEMO_PASSWORD)
    assert core.status.phase == "bootstrapping"
    await until(core, online)

    phases = [s.phase for s in seen]
    assert phases[0] == "bootstrapping" and phases.index("online") > 0
    assert set(phases[: phases.index("online")]) == {"bootstrapping"}  # no "syncing" flicker before it
    progress = [s for s in seen if s.phase == "bootstrapping" and s.total is not None]
    assert progress, "the first sync reported no progress"
    assert all(s.total is not None and 0 < s.rows <= s.total for s in progress)
    assert progress[-1].rows == progress[-1].total and progress[-1].rows > 100
    assert [s.rows for s in progress] == sorted(s.rows for s in progress)

    store = core.store
    assert core.signed_in and store.server_url == server and store.account == DEMO_EMAIL
    assert store.me()["display_name"] == "王伟"  # type: ignore[index]
    assert [p["key"] for p in store.projects()] == ["APP", "DOUBLE", "FB"]
    assert store.task(task_id("APP-1"))["key"] == "APP-1"  # type: ignore[index]
    assert core.status.pending == 0 and core.status.error is None


async def test_a_wrong_password_is_refused(server: str, make_core: Callable[..., Core]) -> None:
    core = make_core()
    with pytest.raises(SignInError) as raised:
        await core.sign_in(server, DEMO_EMAIL, "not-the-password")
    assert raised.value.reason == "refused"
    assert not core.signed_in and core.status.phase == "signed_out"
    with pytest.raises(SignInError) as unknown:
        await core.sign_in(server, "nobody@demo.keel", DEMO_PASSWORD)
    assert unknown.value.reason == "refused"


async def test_an_unreachable_or_malformed_server(make_core: Callable[..., Core]) -> None:
    core = make_core()
    with pytest.raises(SignInError) as raised:
        await core.sign_in(f"http://127.0.0.1:{closed_port()}", DEMO_EMAIL, DEMO_PASSWORD)
    assert raised.value.reason == "unreachable"
    with pytest.raises(SignInError) as malformed:
        await core.sign_in("ftp://keel.example", DEMO_EMAIL, DEMO_PASSWORD)
    assert malformed.value.reason == "server"
    assert not core.signed_in and core.status.phase == "signed_out"


@pytest.fixture
def no_keyring_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody opted in to a keyring that needs it: no environment variable, no keyringrc.cfg."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


async def test_no_usable_keyring_stops_sign_in_before_the_password_travels(
    no_keyring_chosen: None, make_core: Callable[..., Core]
) -> None:
    core = make_core(tokens=Credentials(backend=fail.Keyring()))
    # An unreachable server: had the password been sent first, this would say 'unreachable'.
    with pytest.raises(SignInError) as raised:
        await core.sign_in(f"http://127.0.0.1:{closed_port()}", DEMO_EMAIL, DEMO_PASSWORD)
    assert raised.value.reason == "keyring"
    assert "PYTHON_KEYRING_BACKEND" in raised.value.detail
    assert not core.signed_in


async def test_a_keyring_keeps_the_token(no_keyring_chosen: None, server: str, make_core: Callable[..., Core]) -> None:
    backend = MemoryKeyring()
    core = make_core(tokens=Credentials(backend=backend))
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    assert list(backend.entries) == [(service_name(server), DEMO_EMAIL)]
    await until(core, online)


# --- while signed in --------------------------------------------------------------------------------


async def test_pending_follows_a_local_edit_until_it_is_synced(server: str, make_core: Callable[..., Core]) -> None:
    core = make_core()
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(core, online)
    seen: list[int] = []
    core.subscribe_status(lambda s: seen.append(s.pending))

    core.store.update_task(task_id("APP-1"), priority="urgent")
    assert core.status.pending == 1  # at once, from the store's change
    await until(core, lambda s: s.pending == 0 and s.phase == "online")
    assert seen[0] == 1 and seen[-1] == 0
    card = core.store.task(task_id("APP-1"))
    assert card is not None and card["priority"] == "urgent" and card["pending"] is False
    assert core.store.outbox() == []


async def test_sync_now_while_online(server: str, make_core: Callable[..., Core]) -> None:
    core = make_core()
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(core, online)
    while core.status.phase != "online":  # the stream's first event may have started another sync
        await until(core, online)
    seen: list[str] = []
    core.subscribe_status(lambda s: seen.append(s.phase))
    await core.sync_now()  # checks the phase before its first await: "online" here
    assert seen[:1] == ["syncing"] and core.status.phase == "online"


async def test_signing_in_again_closes_the_previous_connection(server: str, make_core: Callable[..., Core]) -> None:
    core = make_core()
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(core, online)
    first = core.remote
    assert first is not None
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    assert core.remote is not first and first.http.is_closed
    await until(core, online)


async def test_another_account_cannot_take_over_unsynced_edits(server: str, make_core: Callable[..., Core]) -> None:
    tokens = MemoryTokenStore()
    first = make_core(tokens=tokens)
    await first.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(first, online)
    await first.close()

    core = make_core(tokens=tokens)  # the same data directory, not syncing: the edit stays pending
    core.store.update_task(task_id("APP-2"), title="离线时改的标题")
    with pytest.raises(SignInError) as raised:
        await core.sign_in(server, "lina@demo.keel", DEMO_PASSWORD)
    assert raised.value.reason == "other_account"
    assert core.store.account == DEMO_EMAIL and core.store.pending_count() == 1


# --- resume and sign-out ----------------------------------------------------------------------------


async def test_resume_with_a_kept_token(server: str, make_core: Callable[..., Core], tmp_path: Path) -> None:
    tokens = MemoryTokenStore()
    first = make_core(tokens=tokens)
    assert await first.resume() is False  # never signed in here
    await first.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(first, online)
    await first.close()
    assert (tmp_path / "data" / STORE_FILE).is_file()

    again = make_core(tokens=tokens)  # the app started again on the same data directory
    assert again.signed_in and again.status.phase == "signed_out"
    seen: list[str] = []
    again.subscribe_status(lambda s: seen.append(s.phase))
    again.store.update_task(task_id("APP-3"), priority="low")  # made before resuming
    assert await again.resume() is True
    assert seen[-1] == "syncing"  # a cache is there: no first-sync screen
    await until(again, lambda s: s.phase == "online" and s.pending == 0)
    assert "bootstrapping" not in seen
    assert again.store.task(task_id("APP-3"))["priority"] == "low"  # type: ignore[index]

    elsewhere = make_core(tokens=MemoryTokenStore())  # the same directory, but the token is gone
    assert elsewhere.signed_in and await elsewhere.resume() is False
    assert elsewhere.status.phase == "signed_out"


async def test_sign_out_empties_the_store_and_ends_the_session(server: str, make_core: Callable[..., Core]) -> None:
    tokens = MemoryTokenStore()
    core = make_core(tokens=tokens)
    await core.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(core, online)
    refresh = tokens.load_refresh_token(server, DEMO_EMAIL)
    assert refresh
    core.store.update_task(task_id("APP-4"), priority="high")  # dropped: the UI asked first

    await core.sign_out()
    assert core.status.phase == "signed_out" and core.status.pending == 0 and core.status.rejected == 0
    assert not core.signed_in and core.store.user_id is None and core.store.account is None
    assert core.store.projects() == [] and core.store.tasks() == [] and core.store.outbox() == []
    assert tokens.load_refresh_token(server, DEMO_EMAIL) is None
    async with httpx.AsyncClient(base_url=server) as http:  # the server ended the session too
        answer = await http.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert answer.status_code == 401
    assert await core.resume() is False


async def test_sign_out_without_a_running_engine_forgets_the_token(server: str, make_core: Callable[..., Core]) -> None:
    tokens = MemoryTokenStore()
    first = make_core(tokens=tokens)
    await first.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD)
    await until(first, online)
    await first.close()

    core = make_core(tokens=tokens)  # started offline: never resumed
    await core.sign_out()
    assert core.status.phase == "signed_out" and not core.signed_in
    assert tokens.load_refresh_token(server, DEMO_EMAIL) is None
