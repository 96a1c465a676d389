"""The fault-injecting transport, against the real server on a loopback port."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from server.security import AccessTokens
from tests.factories import Api, Person, error_of, new_id, rows
from tests.faults import Fault, FaultPlan, FaultyTransport, Injection, _Cut
from tests.live_server import live_server

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
EVENTS = "/api/v1/sync/events"
CALL_FAULTS = {Fault.DROP, Fault.LOSE_RESPONSE, Fault.DUPLICATE, Fault.DELAY, Fault.SERVER_ERROR, Fault.EXPIRE_TOKEN}

MakeClient = Callable[[FaultPlan], tuple[httpx.Client, FaultyTransport]]


@pytest.fixture
def server_url(app: FastAPI) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture
def plain(server_url: str) -> Iterator[Api]:
    """The protocol without faults, to set things up and to look at what the server holds."""
    with httpx.Client(base_url=server_url) as http:
        yield Api(http)


@pytest.fixture
def faulty(server_url: str) -> Iterator[MakeClient]:
    clients: list[httpx.Client] = []

    def make(plan: FaultPlan) -> tuple[httpx.Client, FaultyTransport]:
        transport = FaultyTransport(httpx.HTTPTransport(), plan)
        clients.append(httpx.Client(base_url=server_url, transport=transport))
        return clients[-1], transport

    yield make
    for client in clients:
        client.close()


def through(person: Person, http: httpx.Client) -> Person:
    """The same person and device, speaking through another client."""
    return dataclasses.replace(person, http=http)


def push(person: Person, mutation_id: int, name: str, args: dict[str, Any]) -> httpx.Response:
    """One mutation with an explicit id, so a test can send the same one again."""
    body = {"client_id": person.client_id, "mutations": [{"mutation_id": mutation_id, "name": name, "args": args}]}
    return person.post(PUSH, json=body)


def state(person: Person) -> tuple[int, list[dict[str, Any]]]:
    """The server's `last_mutation_id` for this device, and every change the person may see."""
    page = person.pull(cursor=0, limit=5000)
    return page["last_mutation_id"], page["changes"]


def seeded_project(plain: Api) -> tuple[Person, str]:
    ann = plain.person("Ann")
    return ann, ann.project()["id"]  # mutation 1 of ann's device


# --- each fault, one at a time -------------------------------------------------------------------


def test_a_dropped_request_never_reaches_the_server(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(["drop"]))
    task = {"id": new_id(), "project_id": pid, "title": "dropped"}

    with pytest.raises(httpx.ConnectError, match="injected fault"):
        push(through(ann, http), 2, "task.create", task)

    last, changes = state(ann)
    assert last == 1 and task["id"] not in rows(changes, "task")
    again = push(through(ann, http), 2, "task.create", task)  # the retry is the first the server hears of it
    assert again.json()["results"] == [{"mutation_id": 2, "status": "applied"}]
    assert transport.fired == Counter({Fault.DROP: 1})
    assert transport.history == [("POST", PUSH, Fault.DROP), ("POST", PUSH, None)]


def test_a_lost_response_was_committed_and_its_retry_is_a_duplicate(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(["lose_response"]))
    task = {"id": new_id(), "project_id": pid, "title": "committed in the dark"}

    with pytest.raises(httpx.ReadError, match="lost after the server answered"):
        push(through(ann, http), 2, "task.create", task)

    last, changes = state(through(ann, http))
    assert last == 2
    assert rows(changes, "task")[task["id"]]["title"] == "committed in the dark"
    again = push(through(ann, http), 2, "task.create", task)
    assert again.status_code == 200
    assert again.json() == {"last_mutation_id": 2, "results": [{"mutation_id": 2, "status": "duplicate"}]}
    assert len(rows(state(ann)[1], "task")) == 1
    assert transport.fired == Counter({Fault.LOSE_RESPONSE: 1})


def test_duplicated_pushes_apply_once(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(["duplicate", "duplicate"]))
    tid = new_id()

    first = push(through(ann, http), 2, "task.create", {"id": tid, "project_id": pid, "title": "once"})
    second = push(through(ann, http), 3, "comment.create", {"id": new_id(), "task_id": tid, "body": "once too"})

    # The caller sees the second answer: the server had already applied the first copy.
    assert first.json()["results"] == [{"mutation_id": 2, "status": "duplicate"}]
    assert second.json()["results"] == [{"mutation_id": 3, "status": "duplicate"}]
    last, changes = state(ann)
    assert last == 3
    assert [t["number"] for t in rows(changes, "task").values()] == [1]
    assert len(rows(changes, "comment")) == 1
    assert push(ann, 4, "task.create", {"id": new_id(), "project_id": pid, "title": "next"}).status_code == 200
    assert sorted(t["number"] for t in rows(state(ann)[1], "task").values()) == [1, 2]  # numbered once each
    assert transport.fired == Counter({Fault.DUPLICATE: 2})


def test_a_server_error_before_or_after_the_server_saw_the_request(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    before, after = Injection(Fault.SERVER_ERROR), Injection(Fault.SERVER_ERROR, after_forward=True)
    http, transport = faulty(FaultPlan.script([before, after]))
    task = {"id": new_id(), "project_id": pid, "title": "5xx"}

    error_of(push(through(ann, http), 2, "task.create", task), 503, "service_unavailable")
    assert state(ann)[0] == 1  # not sent
    error_of(push(through(ann, http), 2, "task.create", task), 503, "service_unavailable")
    last, changes = state(ann)
    assert last == 2 and task["id"] in rows(changes, "task")  # sent and committed; only the answer was a 503
    assert transport.fired == Counter({Fault.SERVER_ERROR: 2})


def test_an_expired_token_is_answered_as_the_server_would(plain: Api, faulty: MakeClient, app: FastAPI) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(["expire_token"]))

    # A request without a bearer token cannot have an expired one: the fault waits for the next that has.
    login = http.post("/api/v1/auth/token", json={"email": ann.user["email"], "password": "correct horse"})
    assert login.status_code == 200
    synthetic = push(through(ann, http), 2, "task.create", {"id": new_id(), "project_id": pid, "title": "x"})

    assert state(ann)[0] == 1  # never sent
    # What the server itself answers to an access token that really expired:
    family = jwt.decode(ann.access_token, options={"verify_signature": False})["fam"]
    expired = AccessTokens(app.state.services.tokens._secret, -60).issue(ann.id, family)
    real = plain.http.get(PULL, params={"cursor": 0}, headers={"Authorization": f"Bearer {expired}"})
    assert error_of(synthetic, 401, "token_expired") == error_of(real, 401, "token_expired")
    assert transport.fired == Counter({Fault.EXPIRE_TOKEN: 1})
    assert transport.history == [("POST", "/api/v1/auth/token", None), ("POST", PUSH, Fault.EXPIRE_TOKEN)]


def test_a_delay_reorders_two_clients(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    bo = plain.person("Bo")
    ann.share(pid, bo)
    tid = ann.task(pid, "before")
    ann_http, ann_transport = faulty(FaultPlan.script([Injection(Fault.DELAY, delay_s=0.6)]))
    bo_http, bo_transport = faulty(FaultPlan.script([None]))
    answers: dict[str, httpx.Response] = {}

    def update(who: str, person: Person) -> None:
        answers[who] = push(person, person.next_mutation, "task.update", {"id": tid, "set": {"title": who}})

    started = time.monotonic()
    ann_thread = threading.Thread(target=update, args=("ann", through(ann, ann_http)))
    ann_thread.start()
    time.sleep(0.1)  # ann sends first...
    update("bo", through(bo, bo_http))
    ann_thread.join()

    # ...but the server hears bo first, so ann's title is the last write.
    assert time.monotonic() - started >= 0.6
    assert {who: r.json()["results"][0]["status"] for who, r in answers.items()} == {"ann": "applied", "bo": "applied"}
    assert rows(state(ann)[1], "task")[tid]["title"] == "ann"
    assert ann_transport.fired == Counter({Fault.DELAY: 1}) and bo_transport.fired == Counter()


def test_a_delayed_answer_arrives_after_the_commit(plain: Api, faulty: MakeClient) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script([Injection(Fault.DELAY, delay_s=0.5, after_forward=True)]))
    task = {"id": new_id(), "project_id": pid, "title": "slow answer"}
    result: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: result.append(push(through(ann, http), 2, "task.create", task)))
    sender.start()
    deadline = time.monotonic() + 5
    while state(ann)[0] != 2:  # the server committed while the answer is still held back
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert sender.is_alive() and not result
    sender.join()
    assert result[0].json()["results"] == [{"mutation_id": 2, "status": "applied"}]
    assert transport.fired == Counter({Fault.DELAY: 1})


# --- plans ------------------------------------------------------------------------------------------


def pulls_through(http: httpx.Client, person: Person, count: int) -> list[str]:
    """`count` pulls, each ending as an answer's status or an exception's name."""
    outcomes = []
    for _ in range(count):
        try:
            outcomes.append(str(through(person, http).get(PULL, params={"cursor": 0}).status_code))
        except httpx.TransportError as exc:
            outcomes.append(type(exc).__name__)
    return outcomes


def test_fired_counts_are_exact_for_a_script(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    script = [
        None,
        "drop",
        Fault.DUPLICATE,
        Injection(Fault.DELAY, delay_s=0.01),
        None,
        Injection(Fault.SERVER_ERROR, after_forward=True),
        "lose_response",
        "expire_token",
        "drop",
    ]
    http, transport = faulty(FaultPlan.script(script))

    outcomes = pulls_through(http, ann, 10)

    assert outcomes == ["200", "ConnectError", "200", "200", "200", "503", "ReadError", "401", "ConnectError", "200"]
    assert transport.fired == Counter(
        {
            Fault.DROP: 2,
            Fault.DUPLICATE: 1,
            Fault.DELAY: 1,
            Fault.SERVER_ERROR: 1,
            Fault.LOSE_RESPONSE: 1,
            Fault.EXPIRE_TOKEN: 1,
        }
    )
    assert [fault for _, _, fault in transport.history] == [
        None if s is None else Fault(s.fault if isinstance(s, Injection) else s) for s in script
    ] + [None]
    assert transport.plan.remaining == 0


def test_seeded_plans_are_reproducible(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    chances = {fault.value: 0.15 for fault in CALL_FAULTS}

    runs = []
    for seed in (42, 42, 43):
        plan = FaultPlan(random.Random(seed), chances, max_delay_s=0.005)
        http, transport = faulty(plan)
        runs.append((pulls_through(http, ann, 40), transport.history, transport.fired))

    (outcomes_a, history_a, fired_a), (outcomes_b, history_b, fired_b), (_, history_c, _) = runs
    assert history_a == history_b and outcomes_a == outcomes_b and fired_a == fired_b
    assert history_a != history_c
    assert set(fired_a) == CALL_FAULTS  # every fault a call can meet fired
    assert sum(fired_a.values()) == sum(1 for _, _, f in history_a if f is not None) < 40


def test_event_streams_never_shift_the_faults_of_calls(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    chances = {"drop": 0.3, "duplicate": 0.3}

    def run(streams: bool) -> tuple[list[tuple[str, str, Fault | None]], Counter[Fault]]:
        http, transport = faulty(
            FaultPlan(random.Random(5), chances, stream_probabilities={"sse_disconnect": 1.0}, max_events_before_cut=0)
        )
        for n in range(12):
            pulls_through(http, ann, 1)
            if streams and n % 4 == 0:  # a listener reconnecting now and then; each stream is cut at once
                # Each stream is cut before its first event, cleanly or abruptly as the plan draws.
                with http.stream("GET", EVENTS, headers=ann.headers) as events, suppress(httpx.RemoteProtocolError):
                    assert events.read() == b""
        calls = [entry for entry in transport.history if entry[1] == PULL]
        return calls, transport.fired

    calls_alone, fired_alone = run(streams=False)
    calls_with_streams, fired_with_streams = run(streams=True)

    assert calls_with_streams == calls_alone
    assert fired_with_streams - Counter({Fault.SSE_DISCONNECT: 3}) == fired_alone
    assert fired_with_streams[Fault.SSE_DISCONNECT] == 3 and fired_alone[Fault.DROP] > 0


def test_pause_stops_the_faults_without_advancing_the_plan(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(["drop"]))

    with transport.paused():
        assert pulls_through(http, ann, 3) == ["200"] * 3
    transport.pause()
    assert pulls_through(http, ann, 1) == ["200"]
    transport.resume()
    assert transport.history == [] and transport.plan.remaining == 1
    assert pulls_through(http, ann, 2) == ["ConnectError", "200"]
    assert transport.fired == Counter({Fault.DROP: 1})


def test_random_plans_switch_off_too(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    http, transport = faulty(FaultPlan.seeded(1, drop=1.0))
    assert pulls_through(http, ann, 2) == ["ConnectError"] * 2
    transport.pause()
    assert pulls_through(http, ann, 2) == ["200"] * 2  # after the faults stop, requests go through
    assert transport.fired == Counter({Fault.DROP: 2})


def test_applies_to_limits_the_faults_to_some_requests(plain: Api, faulty: MakeClient) -> None:
    ann, _ = seeded_project(plain)
    plan = FaultPlan(random.Random(0), {"drop": 1.0}, applies_to=lambda r: r.url.path == PUSH)
    http, transport = faulty(plan)
    assert pulls_through(http, ann, 2) == ["200", "200"]
    with pytest.raises(httpx.ConnectError):
        push(through(ann, http), 2, "watch.put", {"task_id": new_id()})
    assert transport.fired == Counter({Fault.DROP: 1})


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (lambda: FaultPlan(random.Random(0), {"drop": 0.6, "duplicate": 0.6}), "sum to at most 1"),
        (lambda: FaultPlan(random.Random(0), {"delay": -0.1}), r"in \[0, 1\]"),
        (lambda: FaultPlan(None, {"drop": 0.1}), "random.Random"),
        (lambda: FaultPlan.script(["sse_disconnect"]), "cannot happen to a call"),
        (lambda: FaultPlan.script(events=["duplicate"]), "cannot happen to a stream"),
        (lambda: FaultPlan.script(["teleport"]), "not a valid Fault"),
        (lambda: FaultPlan(random.Random(0), stream_probabilities={"duplicate": 0.1}), "may only name"),
    ],
)
def test_a_plan_that_makes_no_sense_is_refused(plan: Callable[[], FaultPlan], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan()


def test_probabilities_are_summed_per_kind_of_request() -> None:
    # Calls and streams roll separately, so these are 1.0 for each.
    plan = FaultPlan.seeded(0, drop=0.5, duplicate=0.5, sse_disconnect=0.5)
    assert plan.chances == {
        "call": {Fault.DROP: 0.5, Fault.DUPLICATE: 0.5},
        "stream": {Fault.DROP: 0.5, Fault.SSE_DISCONNECT: 0.5},
    }
    apart = FaultPlan(random.Random(0), {"drop": 0.5}, stream_probabilities={"sse_disconnect": 1.0})
    assert apart.chances == {"call": {Fault.DROP: 0.5}, "stream": {Fault.SSE_DISCONNECT: 1.0}}


def test_the_transport_says_which_client_it_needs() -> None:
    sync_only = FaultyTransport(httpx.HTTPTransport(), FaultPlan.script())
    async_only = FaultyTransport(httpx.AsyncHTTPTransport(), FaultPlan.script())
    request = httpx.Request("GET", "http://127.0.0.1:9/")
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        async_only.handle_request(request)
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        asyncio.run(sync_only.handle_async_request(request))
    sync_only.close()
    asyncio.run(async_only.aclose())


# --- event streams ----------------------------------------------------------------------------------


def sse_events(text: str) -> list[str]:
    return [block.split("event: ", 1)[1].split("\n", 1)[0] for block in text.split("\n\n") if "event: " in block]


async def until_no_listeners(app: FastAPI) -> None:
    deadline = time.monotonic() + 10
    while app.state.services.broker.connections:
        assert time.monotonic() < deadline, "the server still holds the cut stream"
        await asyncio.sleep(0.02)


async def test_an_event_stream_is_cut_after_one_event(plain: Api, server_url: str, app: FastAPI) -> None:
    ann, pid = seeded_project(plain)
    plan = FaultPlan.script(calls=["drop"], events=[Injection(Fault.SSE_DISCONNECT, after_events=1)])
    transport = FaultyTransport(httpx.AsyncHTTPTransport(), plan)
    headers = {"Authorization": f"Bearer {ann.access_token}", "Accept": "text/event-stream"}
    async with httpx.AsyncClient(base_url=server_url, transport=transport, timeout=20) as client:
        async with client.stream("GET", EVENTS, headers=headers) as events:
            assert events.status_code == 200 and app.state.services.broker.connections == 1
            await asyncio.to_thread(ann.task, pid)  # a commit: the server pokes
            received = "".join([chunk async for chunk in events.aiter_text()])  # ends: no error, no hang
        with pytest.raises(httpx.ConnectError):  # the calls' script is untouched by the stream
            await client.get(PULL, params={"cursor": 0}, headers=ann.headers)

    assert sse_events(received) == ["poke"] and received.endswith("\n\n")
    assert transport.fired == Counter({Fault.SSE_DISCONNECT: 1, Fault.DROP: 1})
    await until_no_listeners(app)


async def test_an_expired_token_then_a_stream_cut_before_any_event(plain: Api, server_url: str, app: FastAPI) -> None:
    ann, _ = seeded_project(plain)
    plan = FaultPlan.script(events=["expire_token", "sse_disconnect"])  # scripted cut: after 0 events
    transport = FaultyTransport(httpx.AsyncHTTPTransport(), plan)
    headers = {"Authorization": f"Bearer {ann.access_token}"}
    async with httpx.AsyncClient(base_url=server_url, transport=transport, timeout=20) as client:
        refused = await client.get(EVENTS, headers=headers)
        error_of(refused, 401, "token_expired")
        async with client.stream("GET", EVENTS, headers=headers) as events:
            assert events.status_code == 200
            assert [chunk async for chunk in events.aiter_bytes()] == []
    assert transport.fired == Counter({Fault.EXPIRE_TOKEN: 1, Fault.SSE_DISCONNECT: 1})
    await until_no_listeners(app)


def test_a_sync_event_stream_cut_abruptly_after_some_bytes(plain: Api, faulty: MakeClient, app: FastAPI) -> None:
    ann, pid = seeded_project(plain)
    http, transport = faulty(FaultPlan.script(events=[Injection(Fault.SSE_DISCONNECT, after_bytes=10, abrupt=True)]))
    with http.stream("GET", EVENTS, headers=ann.headers) as events:
        ann.task(pid)
        received = b""
        with pytest.raises(httpx.RemoteProtocolError, match="injected fault"):
            for chunk in events.iter_raw():
                received += chunk
    assert len(received) == 10 and received.startswith(b"id: ")  # the poke's first bytes, then the cut
    assert transport.fired == Counter({Fault.SSE_DISCONNECT: 1})
    deadline = time.monotonic() + 10
    while app.state.services.broker.connections:
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("chunks", "after_events", "passed"),
    [
        ([b"event: a\n\nevent: b\n\n"], 1, b"event: a\n\n"),
        ([b"event: a\n", b"\n", b"event: b\n\n"], 1, b"event: a\n\n"),
        ([b"event: a\n", b"\nevent: b\n", b"\nrest"], 2, b"event: a\n\nevent: b\n\n"),
        ([b"event: a\n\n", b"\nevent: b\n\n"], 2, b"event: a\n\n\nevent: b\n\n"),  # a stray blank line is no event
        ([b"event: a\n\n"], 3, None),
    ],
)
def test_event_ends_are_found_across_chunks(chunks: list[bytes], after_events: int, passed: bytes | None) -> None:
    cut = _Cut(Injection(Fault.SSE_DISCONNECT, after_events=after_events))
    out = b""
    for chunk in chunks:
        piece, stop = cut.take(chunk)
        out += piece
        if stop:
            assert out == passed
            return
    assert passed is None
