"""The event stream: pokes after commits (in process on SQLite, through LISTEN/NOTIFY across
processes on PostgreSQL), pings, who is poked, bad tokens, disconnects and tokens kept out of logs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from server.db import POKE_CHANNEL, read_secret
from server.events import Broker
from server.logging import REDACTED, RedactTokens, redact
from server.security import AccessTokens
from tests.factories import Api, Person, new_id
from tests.live_server import EVENTS_PATH, live_server, open_events, server_process, server_processes

WAIT_S = 20.0  # generous: waiting is never a measurement here

postgresql_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@contextlib.contextmanager
def people(url: str, *names: str) -> Iterator[list[Person]]:
    """People signed in on the server at `url`, sharing one HTTP client (closed on exit)."""
    with httpx.Client(base_url=url, timeout=WAIT_S) as http:
        api = Api(http)
        yield [api.person(name) for name in names]


def server_cursor(person: Person) -> int:
    """The server's current `seq`: a pull that reaches the end answers it as its cursor."""
    cursor = person.cursor
    while True:
        page = person.pull(cursor=cursor)
        cursor = page["cursor"]
        if not page["has_more"]:
            return int(cursor)


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


# --- the stream itself ---------------------------------------------------------------------------


async def test_push_pokes_the_pusher_with_the_new_cursor(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟") as [alice]:
        async with open_events(url, alice.access_token) as events:
            assert events.response.headers["content-type"].startswith("text/event-stream")
            alice.project("增长实验")
            cursor = server_cursor(alice)
            poke = await events.poke_reaching(cursor)
            assert poke.data == {"cursor": cursor}
            assert poke.id == str(cursor)


async def test_the_wire_format_of_a_poke(live_app: FastAPI) -> None:
    with (
        live_server(live_app) as url,
        people(url, "王伟") as [alice],
        httpx.stream("GET", url + EVENTS_PATH, headers=alice.headers, timeout=WAIT_S) as response,
    ):
        alice.project()
        cursor = server_cursor(alice)
        lines = response.iter_lines()
        while True:
            frame = []
            while line := next(lines):
                frame.append(line)
            if "event: poke" in frame:
                break
    assert frame == [f"id: {cursor}", "event: poke", f'data: {{"cursor":{cursor}}}']


@sqlite_only
async def test_pings_come_every_interval(db_url: str) -> None:
    with live_server(db_url, ping_interval_s=0.2) as url, people(url, "王伟") as [alice]:
        async with open_events(url, alice.access_token) as events:
            for _ in range(3):
                event = await events.next()
                assert event is not None
                assert (event.event, event.data, event.id) == ("ping", {}, None)


@sqlite_only
async def test_signing_out_ends_the_stream_by_the_next_ping(db_url: str) -> None:
    with live_server(db_url, ping_interval_s=0.2) as url, people(url, "王伟") as [alice]:
        async with open_events(url, alice.access_token) as events:
            first = await events.next()
            assert first is not None and first.event == "ping"
            r = alice.http.post("/api/v1/auth/logout", json={"refresh_token": alice.refresh_token})
            assert r.status_code == 204
            while (event := await events.next()) is not None:
                assert event.event == "ping"  # at most the pings already on their way
        r = alice.get(EVENTS_PATH)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_token"


async def test_access_token_in_the_query_opens_the_stream(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟") as [alice]:
        async with open_events(url, alice.access_token, in_query=True) as events:
            alice.project()
            await events.poke_reaching(server_cursor(alice))


# --- who is poked --------------------------------------------------------------------------------


async def test_only_those_who_may_see_a_change_are_poked(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟", "李娜", "张敏") as [alice, bob, carol]:
        project = alice.project()
        alice.ok("member.put", {"project_id": project["id"], "user_id": bob.id, "role": "member"})
        async with (
            open_events(url, alice.access_token) as alice_events,
            open_events(url, bob.access_token) as bob_events,
            open_events(url, carol.access_token) as carol_events,
        ):
            alice.task(project["id"], "只给成员看")
            change = server_cursor(alice)
            await alice_events.poke_reaching(change)
            await bob_events.poke_reaching(change)  # the same publish reached Carol's stream, if at all
            await asyncio.sleep(0.3)  # let a wrong poke to Carol be sent rather than coalesced
            carol.project("自己的")  # Carol's own change: the first thing her stream may say
            own = server_cursor(carol)
            first = await carol_events.next_poke()
            assert first.data["cursor"] == own, "Carol was poked for a project she is not in"


async def test_a_member_who_loses_access_is_poked(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟", "李娜") as [alice, bob]:
        project = alice.project()
        alice.ok("member.put", {"project_id": project["id"], "user_id": bob.id, "role": "member"})
        bob.pull_all()
        async with open_events(url, bob.access_token) as bob_events:
            alice.ok("member.remove", {"project_id": project["id"], "user_id": bob.id})
            removal = server_cursor(alice)
            poke = await bob_events.poke_reaching(removal)
            assert poke.data["cursor"] == removal
            _, revoked = bob.pull_all()
            assert revoked == [project["id"]]


# --- PostgreSQL: LISTEN/NOTIFY -------------------------------------------------------------------


@postgresql_only
async def test_a_push_to_one_process_pokes_a_stream_served_by_another(db_url: str, tmp_path: Path) -> None:
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with (
        server_processes(db_url, 2, log_paths=logs) as [url_a, url_b],
        people(url_a, "王伟", "李娜") as [alice, bob],
        httpx.Client(base_url=url_b, timeout=WAIT_S) as http_b,
    ):
        project = alice.project()
        alice.ok("member.put", {"project_id": project["id"], "user_id": bob.id, "role": "member"})
        bob.http = http_b  # Bob's device talks to the other process
        async with open_events(url_b, bob.access_token, in_query=True) as bob_events:
            alice.task(project["id"], "跨进程")
            change = server_cursor(alice)
            poke = await bob_events.poke_reaching(change)
            assert poke.data["cursor"] == change
            changes, _ = bob.pull_all()
            assert any(c["entity"] == "task" and c["row"]["title"] == "跨进程" for c in changes)
    for log in logs:  # both processes ran through server.serve, whose logs never print a token
        text = log.read_text(errors="replace")
        assert "GET /api/v1/sync/pull" in text, text  # the access log was on
        assert alice.access_token not in text
        assert bob.access_token not in text
    assert f"{EVENTS_PATH}?access_token={REDACTED}" in logs[1].read_text(errors="replace")


@postgresql_only
async def test_the_listener_reconnects_and_pokes_everyone(live_app: FastAPI, db_url: str) -> None:
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with live_server(live_app) as url, people(url, "王伟") as [alice]:
            alice.project()
            async with open_events(url, alice.access_token) as events:
                with admin.connect() as conn:
                    killed = conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'keel-poke-listener' AND datname = current_database()"
                        )
                    ).all()
                assert killed == [(True,)]
                # Back on its feet, it pokes every stream: commits may have gone unheard meanwhile.
                await events.poke_reaching(server_cursor(alice))
                # ...and it hears NOTIFY again (this one from no server at all).
                payload = f'{{"cursor": 1000000, "users": ["{alice.id}"]}}'
                with admin.connect() as conn:
                    conn.execute(sa.text("SELECT pg_notify(:c, :p)"), {"c": POKE_CHANNEL, "p": payload})
                poke = await events.poke_reaching(1_000_000)
                assert poke.data == {"cursor": 1_000_000}
    finally:
        admin.dispose()


# --- tokens --------------------------------------------------------------------------------------


def _expired_token(app: FastAPI, person: Person) -> str:
    services = app.state.services
    family = jwt.decode(person.access_token, options={"verify_signature": False})["fam"]
    return AccessTokens(read_secret(services.db.engine, "jwt"), -60).issue(person.id, family)


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("none", "not_authenticated"),
        ("empty_bearer", "not_authenticated"),
        ("garbage", "invalid_token"),
        ("garbage_in_query", "invalid_token"),
        ("non_ascii_in_query", "invalid_token"),
        ("foreign_signature", "invalid_token"),
        ("expired", "token_expired"),
        ("signed_out", "invalid_token"),
        ("unknown_user", "invalid_token"),
    ],
)
def test_bad_tokens_answer_401_with_the_error_shape(api: Api, app: FastAPI, how: str, code: str) -> None:
    alice = api.person("王伟")
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    if how == "empty_bearer":
        headers["Authorization"] = "Bearer "
    elif how == "garbage":
        headers["Authorization"] = "Bearer not.a.jwt"
    elif how == "garbage_in_query":
        params["access_token"] = "%%%"
    elif how == "non_ascii_in_query":
        params["access_token"] = "令牌\x00"
    elif how == "foreign_signature":
        headers["Authorization"] = "Bearer " + AccessTokens("another server " * 4, 600).issue(alice.id, new_id())
    elif how == "expired":
        headers["Authorization"] = "Bearer " + _expired_token(app, alice)
    elif how == "signed_out":
        assert api.http.post("/api/v1/auth/logout", json={"refresh_token": alice.refresh_token}).status_code == 204
        headers = alice.headers
    elif how == "unknown_user":
        services = app.state.services
        token = AccessTokens(read_secret(services.db.engine, "jwt"), 600).issue(new_id(), new_id())
        headers["Authorization"] = f"Bearer {token}"
    r = api.http.get(EVENTS_PATH, headers=headers, params=params)
    assert r.status_code == 401, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


# --- connections ---------------------------------------------------------------------------------


@sqlite_only
async def test_a_disconnect_unsubscribes(live_app: FastAPI) -> None:
    broker: Broker = live_app.state.services.broker
    with live_server(live_app) as url, people(url, "王伟", "李娜") as [alice, bob]:
        async with open_events(url, alice.access_token), open_events(url, bob.access_token) as bob_events:
            assert broker.connections == 2  # live once the headers are here
            async with open_events(url, alice.access_token):
                assert broker.connections == 3
            await asyncio.to_thread(wait_until, lambda: broker.connections == 2, "a stream left")
            bob.project()  # a poke to a stream whose peer has gone must not break the others
            await bob_events.poke_reaching(server_cursor(bob))
        await asyncio.to_thread(wait_until, lambda: broker.connections == 0, "every stream left")
        # A client that goes away before reading a byte.
        with httpx.stream("GET", url + EVENTS_PATH, headers=alice.headers, timeout=WAIT_S) as response:
            assert response.status_code == 200
        await asyncio.to_thread(wait_until, lambda: broker.connections == 0, "the silent stream left")


@sqlite_only
async def test_shutdown_ends_open_streams(live_app: FastAPI) -> None:
    with contextlib.ExitStack() as server:
        url = server.enter_context(live_server(live_app))
        with people(url, "王伟") as [alice]:
            pass
        async with open_events(url, alice.access_token) as events:
            await asyncio.to_thread(server.close)  # returns once the server has stopped
            while (event := await events.next()) is not None:
                assert event.event in {"ping", "poke"}
    assert live_app.state.services.broker.connections == 0


def test_broker_publishes_from_any_thread_and_coalesces() -> None:
    async def scenario() -> list[int]:
        broker = Broker()
        sub = broker.subscribe("u1")
        other = broker.subscribe("u2")
        threads = [threading.Thread(target=broker.publish, args=({"u1"}, n)) for n in (3, 7, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seen = []
        while sub.cursor < 7:
            await sub.wait(WAIT_S)
            seen.append(sub.cursor)
        assert other.cursor == 0
        broker.unsubscribe(sub)
        broker.close_all()
        await other.wait(WAIT_S)
        assert other.closed
        assert broker.subscribe("u3").closed  # nothing new starts once the server is stopping
        broker.unsubscribe(other)
        assert broker.connections == 0
        return seen

    assert asyncio.run(scenario())[-1] == 7


# --- logs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /api/v1/sync/events?access_token=SECRET HTTP/1.1",
            f"GET /api/v1/sync/events?access_token={REDACTED} HTTP/1.1",
        ),
        ("/e?x=1&access%5Ftoken=SECRET&y=2", f"/e?x=1&access%5Ftoken={REDACTED}&y=2"),
        ("/e?access_token=SECRET&access_token=SECRET", f"/e?access_token={REDACTED}&access_token={REDACTED}"),
        ("/e?token_type=bearer", "/e?token_type=bearer"),
        ("no query here", "no query here"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_redacts_arguments_before_formatting() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/sync/events?access_token=SECRET", "1.1", 401), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage()
    assert REDACTED in record.getMessage()


@sqlite_only
async def test_a_token_in_the_query_never_reaches_the_access_log(
    live_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    with live_server(live_app) as url, people(url, "王伟") as [alice]:
        assert alice.http.get(EVENTS_PATH, params={"access_token": "SECRET"}).status_code == 401
        async with open_events(url, alice.access_token, in_query=True):
            pass
    access = "\n".join(r.getMessage() for r in caplog.records if r.name == "uvicorn.access")
    assert f"{EVENTS_PATH}?access_token={REDACTED}" in access, access
    assert "SECRET" not in caplog.text
    assert alice.access_token not in caplog.text


@sqlite_only
def test_run_server_logs_no_token(db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with server_process(db_url, log_path=log) as url, httpx.Client(base_url=url, timeout=WAIT_S) as http:
        assert http.get(EVENTS_PATH, params={"access_token": "SECRET"}).status_code == 401
        wait_until(lambda: EVENTS_PATH in log.read_text(errors="replace"), "the request was logged")
    text = log.read_text(errors="replace")
    assert "SECRET" not in text
    assert f"{EVENTS_PATH}?access_token={REDACTED}" in text
