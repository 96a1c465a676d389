"""The app's core as a person meets it: sync failures in their words (catalogue keys, the detail
in the log), a restarted `keel demo` that carries on signed in with no first sync, and a sign-in
form that suggests only a server that answers. Against the real demo server on loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from app import problems
from app.core import Core, SyncStatus, demo_tokens
from app.i18n import catalogue
from app.ui.session import resume_demo
from server.demo import DEMO_EMAIL, DEMO_PASSWORD
from sync.errors import ApiError, InvalidMutation, NetworkError, NotSignedIn, RateLimited, ServerError
from sync.tokens import MemoryTokenStore
from tests.app.test_core import closed_port, demo_db, make_core, online, server, until  # noqa: F401
from tests.live_server import live_server


def test_each_error_of_the_tree_has_words_in_both_languages() -> None:
    cases = {
        NetworkError("POST /sync/push: ConnectError('All connection attempts failed')"): problems.UNREACHABLE,
        ServerError(503, "unavailable", "upstream down"): problems.SERVER,
        RateLimited(429, "rate_limited", "slow down", None, 3.0): problems.BUSY,
        NotSignedIn(401, "invalid_credentials", "The email or password is wrong."): problems.WRONG_PASSWORD,
        NotSignedIn(401, "unauthorized", "refresh token revoked"): problems.SIGNED_OUT,
        ApiError(403, "forbidden", "viewer"): problems.REFUSED,
        InvalidMutation("invalid task.update: ..."): problems.INVALID,
        AttributeError("'NoneType' object has no attribute 'loop'"): problems.INTERNAL,
    }
    assert {type(e).__name__ + str(i): problems.problem_of(e) for i, e in enumerate(cases)} == {
        type(e).__name__ + str(i): key for i, (e, key) in enumerate(cases.items())
    }
    for key in problems.KEYS:
        for code in ("zh-CN", "en"):
            text = catalogue(code).get(key)
            assert text and "Error" not in text and "'" not in text, (code, key, text)


async def test_a_server_that_goes_away_is_told_in_words_not_exceptions(
    demo_db: str,  # noqa: F811
    make_core: Callable[..., Core],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = make_core()
    with live_server(demo_db) as url:
        await core.sign_in(url, DEMO_EMAIL, DEMO_PASSWORD)
        await until(core, online)
    logging.getLogger("keel").addHandler(caplog.handler)  # the live server's logging config keeps it to itself
    try:
        # The server stopped: its event stream ended and nothing answers. No sync had to fail first.
        status = await until(core, lambda s: s.phase == "offline")
    finally:
        logging.getLogger("keel").removeHandler(caplog.handler)
    assert status.error == problems.UNREACHABLE
    for code in ("zh-CN", "en"):
        assert "Connect" not in catalogue(code)[status.error]
    assert "ConnectError" in caplog.text  # the detail is in the log


async def test_a_restarted_demo_carries_on_signed_in_without_a_first_sync(
    server: str,  # noqa: F811
    make_core: Callable[..., Core],  # noqa: F811
) -> None:
    first = make_core("demo")
    await first.sign_in(server, DEMO_EMAIL, DEMO_PASSWORD, tokens=demo_tokens())
    await until(first, online)
    cursor = first.store.cursor
    await first.close()

    again = Core(Path(first.data_dir), tokens=MemoryTokenStore())  # no token kept anywhere
    seen: list[SyncStatus] = []
    again.subscribe_status(seen.append)
    try:
        assert await again.resume() is False  # nothing in the token store…
        assert await resume_demo(again, server) is True  # …but the demo's sign-in is public
        await until(again, online)
        assert "bootstrapping" not in [s.phase for s in seen]
        assert again.store.cursor >= cursor and again.store.account == DEMO_EMAIL
        assert await resume_demo(again, f"http://127.0.0.1:{closed_port()}") is False  # another demo server
    finally:
        await again.close()


async def test_the_sign_in_form_suggests_only_a_running_server(
    server: str,  # noqa: F811
    make_core: Callable[..., Core],  # noqa: F811
) -> None:
    core = make_core()
    dead = f"http://127.0.0.1:{closed_port()}"
    assert await core.running_server([None, dead, server]) == server
    assert await core.running_server([dead, "not a url"]) == ""
