"""Changes on the event stream (docs/protocol.md): a stream opened with `changes=true` gets the
commit's rows its user may see, exactly those a pull from `from` returns; a row of a project the
user is not in never leaves the server; membership changes fall back to plain pokes; v1 streams
keep plain pokes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from server.events import Broker
from server.events_rows import MAX_PENDING, Commit, Visibility
from tests.factories import new_id
from tests.live_server import EventReader, live_server, open_events, server_processes
from tests.server.test_events import people

WAIT_S = 20.0
CHANGES = {"changes": "true"}


def titles(changes: list[dict[str, Any]]) -> set[str]:
    return {c["row"]["title"] for c in changes if c["entity"] == "task"}


async def poke_after(events: EventReader, cursor: int) -> dict[str, Any]:
    """The first poke past `cursor` (earlier ones, from the setup, are skipped)."""
    while True:
        poke = await events.next_poke(WAIT_S)
        if poke.data["cursor"] > cursor:
            return poke.data


def create(project_id: str, title: str) -> tuple[str, dict[str, Any]]:
    return "task.create", {"id": new_id(), "project_id": project_id, "title": title}


async def test_a_poke_carries_only_the_rows_a_pull_would_give(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟", "李娜", "张敏") as [alice, bob, carol]:
        shared, other = alice.project("共享"), alice.project("另一个")
        alice.share(shared["id"], bob)
        alice.share(other["id"], carol)
        bob.pull_all()
        carol.pull_all()
        async with (
            open_events(url, bob.access_token, params=CHANGES) as bob_events,
            open_events(url, carol.access_token, params=CHANGES) as carol_events,
            open_events(url, bob.access_token) as bob_v1,
        ):
            # One commit with a row of each project: both are poked, each sees only their project's.
            alice.push(create(shared["id"], "给李娜"), create(other["id"], "给张敏"))
            for person, events, seen in ((bob, bob_events, "给李娜"), (carol, carol_events, "给张敏")):
                poke = await poke_after(events, person.cursor)
                assert poke["from"] == person.cursor
                assert titles(poke["changes"]) == {seen}
                page = person.pull()  # the same filter: a pull from `from` returns the same rows
                assert page["cursor"] == poke["cursor"] and not page["has_more"]
                assert poke["changes"] == page["changes"]
            plain = await poke_after(bob_v1, bob.cursor)
            assert set(plain) == {"cursor"}  # a stream that did not ask keeps plain pokes


async def test_each_stream_counts_commits_it_cannot_see(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟", "李娜", "张敏") as [alice, bob, carol]:
        shared = alice.project("共享")
        alice.share(shared["id"], bob)
        own = carol.project("张敏自己的")
        bob.pull_all()
        async with open_events(url, bob.access_token, params=CHANGES) as bob_events:
            alice.push(create(shared["id"], "第一条"))
            first = await poke_after(bob_events, bob.cursor)
            carol.push(create(own["id"], "李娜看不到"))  # a commit Bob never hears of
            alice.push(create(shared["id"], "第二条"))
            second = await poke_after(bob_events, first["cursor"])
            assert second["from"] == first["cursor"]  # not the commit's own start: Carol's came between
            assert titles(second["changes"]) == {"第二条"}
            bob.cursor = first["cursor"]
            assert bob.pull()["changes"] == second["changes"]


async def test_membership_changes_are_plain_pokes_and_a_removed_member_gets_no_rows(live_app: FastAPI) -> None:
    with live_server(live_app) as url, people(url, "王伟", "李娜") as [alice, bob]:
        kept, left = alice.project("留下的"), alice.project("要离开的")
        alice.share(kept["id"], bob)
        alice.share(left["id"], bob)
        bob.pull_all()
        async with open_events(url, bob.access_token, params=CHANGES) as bob_events:
            alice.ok("member.remove", {"project_id": left["id"], "user_id": bob.id})
            removal = await poke_after(bob_events, bob.cursor)
            assert set(removal) == {"cursor"}  # a revocation: Bob pulls and purges
            # A commit touching both projects right after: whether or not Bob's stream has read his
            # memberships again, nothing of the project he left reaches him.
            cursor = removal["cursor"]
            for n in range(3):
                alice.push(create(kept["id"], f"留下 {n}"), create(left["id"], f"离开后 {n}"))
                poke = await poke_after(bob_events, cursor)
                cursor = poke["cursor"]
                assert not any("离开后" in t for t in titles(poke.get("changes", [])))
            # A grant is a plain poke too; afterwards the new project's rows come along.
            alice.share(left["id"], bob)
            grant = await poke_after(bob_events, cursor)
            assert set(grant) == {"cursor"}
            cursor = grant["cursor"]
            for n in range(20):  # the stream reads Bob's memberships again after the grant's poke
                alice.push(create(left["id"], f"回来 {n}"))
                poke = await poke_after(bob_events, cursor)
                cursor = poke["cursor"]
                if f"回来 {n}" in titles(poke.get("changes", [])):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the rows of a project Bob rejoined never came on his stream")


# --- the broker's chain of commits, without a server ------------------------------------------------


def test_from_follows_the_stream_across_gaps_and_late_commits() -> None:
    row = ("task", 0, "p:P", "t1", '{"id":"t1","title":"x"}')

    def commit(start: int, cursor: int) -> Commit:
        return Commit(start, cursor, ((row[0], cursor, row[2], row[3], row[4]),), False)

    async def scenario() -> list[dict[str, object] | bytes]:
        broker = Broker()
        broker.publish({"a"}, 10, commit(5, 10))
        sub = broker.subscribe("b", True, Visibility(frozenset({"p:P"}), 10))
        frames: list[dict[str, object] | bytes] = []
        sent = 0

        async def publish(users: set[str], c: Commit) -> None:
            nonlocal sent
            broker.publish(users, c.cursor, c)
            await sub.wait(WAIT_S)
            if sub.cursor > sent:
                assert sub.rows is not None
                frames.append(sub.rows.frame_data(sent))
                sent = sub.cursor

        await publish({"b"}, commit(10, 12))  # from the stream's start
        broker.publish({"a"}, 15, commit(12, 15))  # not for b
        await publish({"b"}, commit(15, 16))  # from 12: the commit b could not see is accounted for
        # A gap (17..20 never heard, a grant perhaps): the visibility read at 10 no longer holds.
        await publish({"b"}, commit(20, 22))
        assert sub.rows is not None and sub.rows.stale
        sub.rows.visibility, sub.rows.stale = Visibility(frozenset({"p:P"}), 22), False  # read again
        await publish({"b"}, commit(16, 20))  # late, and older than what was sent: nothing to send
        await publish({"b"}, commit(22, 23))
        await publish({"b"}, Commit(23, 24, (("task", 24, "p:Q", "t2", '{"id":"t2"}'),), False))  # not b's
        return frames

    frames = [orjson.loads(f) if isinstance(f, bytes) else f for f in asyncio.run(scenario())]
    assert [(f["cursor"], f.get("from"), [c["row"]["id"] for c in f.get("changes", [])]) for f in frames] == [
        (12, 10, ["t1"]),
        (16, 12, ["t1"]),
        (22, None, []),
        (23, 22, ["t1"]),
        (24, 23, []),
    ]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_rows_reach_a_stream_served_by_another_process(db_url: str) -> None:
    with (
        server_processes(db_url, 2) as [url_a, url_b],
        people(url_a, "王伟", "李娜", "张敏") as [alice, bob, carol],
        httpx.Client(base_url=url_b, timeout=WAIT_S) as http_b,
    ):
        shared, other = alice.project("跨进程"), alice.project("别的")
        alice.share(shared["id"], bob)
        alice.share(other["id"], carol)
        bob.http = carol.http = http_b  # their devices talk to the other process, which hears NOTIFY
        bob.pull_all()
        carol.pull_all()
        async with (
            open_events(url_b, bob.access_token, params=CHANGES) as bob_events,
            open_events(url_b, carol.access_token, params=CHANGES) as carol_events,
        ):
            alice.push(create(shared["id"], "跨进程的行"), create(other["id"], "别的行"))
            poke = await poke_after(bob_events, bob.cursor)
            assert poke["from"] == bob.cursor
            assert titles(poke["changes"]) == {"跨进程的行"}
            assert bob.pull()["changes"] == poke["changes"]
            carol_poke = await poke_after(carol_events, carol.cursor)
            assert "跨进程的行" not in titles(carol_poke.get("changes", []))


async def test_signing_out_ends_a_stream_at_once(db_url: str) -> None:
    # With rows on it, a stream must not outlive its sign-in until the next ping (here ten minutes).
    with live_server(db_url, ping_interval_s=600) as url, people(url, "王伟") as [alice]:
        async with open_events(url, alice.access_token, params=CHANGES) as events:
            r = alice.http.post("/api/v1/auth/logout", json={"refresh_token": alice.refresh_token})
            assert r.status_code == 204
            while (event := await events.next(WAIT_S)) is not None:
                assert event.event == "poke"
        assert alice.get("/api/v1/sync/events").status_code == 401


def test_a_stream_that_falls_behind_gets_one_plain_poke() -> None:
    async def scenario() -> dict[str, object] | bytes:
        broker = Broker()
        sub = broker.subscribe("b", True, Visibility(frozenset({"p:P"}), 0))
        for n in range(MAX_PENDING + 5):  # nothing sent meanwhile: the stream is stuck in a send
            broker.publish({"b"}, n + 1, Commit(n, n + 1, (("task", n + 1, "p:P", "t", '{"id":"t"}'),), False))
        await sub.wait(WAIT_S)
        assert sub.rows is not None
        return sub.rows.frame_data(0)

    assert asyncio.run(scenario()) == {"cursor": MAX_PENDING + 5}
