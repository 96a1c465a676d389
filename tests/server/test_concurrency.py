"""`seq` never lets a row be skipped, and a mutation applies exactly once, under real concurrency.

Four OS processes push small batches (task.create / task.update / task.delete, project grants) as
four people through real HTTP to server processes on one database (two uvicorn processes on
PostgreSQL; one on SQLite), while a puller who can see every project pulls from its cursor in
small pages. Afterwards a fresh pull from 0 must match what the incremental puller ended with,
row for row and `seq` for `seq`, and task numbers must be unique and dense per project.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.live_server import server_processes

pytestmark = pytest.mark.slow

PUSHERS = 4
BATCHES = 40
PAGE = 25  # small pull pages, so pages end in the middle of commits
TIMEOUT = httpx.Timeout(60.0)

Key = tuple[str, str]


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def servers(db_url: str) -> Iterator[list[str]]:
    """Two server processes on PostgreSQL, one on SQLite (its writer lock is per process)."""
    count = 1 if db_url.startswith("sqlite") else 2
    with server_processes(db_url, count) as urls:
        yield urls


class Client:
    """A signed-in person with one device, over plain HTTP to one of several servers."""

    def __init__(self, urls: list[str], token: str, user_id: str, client_id: str | None = None) -> None:
        self.https = [httpx.Client(base_url=url, timeout=TIMEOUT) for url in urls]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.user_id = user_id
        self.client_id = client_id or new_id()
        self.next_mutation = 1
        self.turn = 0

    def http(self) -> httpx.Client:
        self.turn += 1
        return self.https[self.turn % len(self.https)]

    def send(self, batch: list[dict[str, Any]], http: httpx.Client | None = None) -> httpx.Response:
        body = {"client_id": self.client_id, "mutations": batch}
        return (http or self.http()).post("/api/v1/sync/push", json=body, headers=self.headers)

    def push(self, *mutations: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        batch = []
        for name, args in mutations:
            batch.append({"mutation_id": self.next_mutation, "name": name, "args": args})
            self.next_mutation += 1
        r = self.send(batch)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert [x["status"] for x in body["results"]] == ["applied"] * len(batch), body
        return body

    def pull(self, cursor: int, limit: int) -> dict[str, Any]:
        params = {"cursor": cursor, "limit": limit, "client_id": self.client_id}
        r = self.http().get("/api/v1/sync/pull", params=params, headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        for http in self.https:
            http.close()


def sign_up(url: str, name: str) -> tuple[str, str]:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": "correct horse", "display_name": name}
        assert http.post("/api/v1/auth/register", json=body).status_code == 201
        r = http.post("/api/v1/auth/token", json={"email": email, "password": "correct horse"})
        assert r.status_code == 200, r.text
        return r.json()["access_token"], r.json()["user"]["id"]


def key() -> str:
    return "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(8))


def pusher(urls: list[str], token: str, user_id: str, shared: str, puller: str, seed: int, out: str) -> None:
    """One OS process: its own project (granted to the puller after a while) and the shared one."""
    rng = random.Random(seed)
    me = Client(urls, token, user_id)
    own = new_id()
    me.push(("project.create", {"id": own, "name": f"own {seed}", "key": key()}))
    mine: dict[str, str] = {}  # task -> project
    deleted: list[str] = []
    for n in range(BATCHES):
        if n == 5:
            me.push(("member.put", {"project_id": own, "user_id": puller, "role": "viewer"}))
        batch: list[tuple[str, dict[str, Any]]] = []
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            live = sorted(mine)
            if roll < 0.3 and live:
                tid = rng.choice(live)
                changes = {"title": f"edit {n}", "priority": rng.choice(["high", "low"])}
                batch.append(("task.update", {"id": tid, "set": changes, "labels_add": [f"l{n}"]}))
            elif roll < 0.35 and live:
                tid = rng.choice(live)
                batch.append(("task.delete", {"id": tid}))
                del mine[tid]
                deleted.append(tid)
            else:
                project = shared if roll < 0.75 else own
                tid = new_id()
                batch.append(("task.create", {"id": tid, "project_id": project, "title": f"task {seed}.{n}"}))
                mine[tid] = project
        me.push(*batch)
    me.close()
    Path(out).write_bytes(orjson.dumps({"own": own, "tasks": mine, "deleted": deleted}))


class Puller:
    """Pulls from its cursor until told to stop, checking that `seq` only moves forward."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.cursor = 0
        self.rows: dict[Key, dict[str, Any]] = {}
        self.pages = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def page(self) -> bool:
        sent = self.cursor
        page = self.client.pull(sent, PAGE)
        seqs = [c["seq"] for c in page["changes"]]
        assert all(s > sent for s in seqs), f"a change at or below the cursor {sent} it was given: {seqs}"
        assert seqs == sorted(set(seqs)), seqs
        assert page["cursor"] >= sent
        assert all(s <= page["cursor"] for s in seqs), (seqs, page["cursor"])
        assert page["revoked_projects"] == []
        for change in page["changes"]:
            row = change["row"]
            assert row["seq"] == change["seq"]
            self.rows[(change["entity"], row["id"])] = row
        self.cursor = page["cursor"]
        self.pages += 1
        return bool(page["has_more"])

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.page()
        except BaseException as exc:  # reported by the test thread
            self.error = exc

    def drain(self) -> None:
        while self.page():
            pass


def full_pull(client: Client) -> dict[Key, dict[str, Any]]:
    rows: dict[Key, dict[str, Any]] = {}
    cursor = 0
    while True:
        page = client.pull(cursor, 5000)
        for change in page["changes"]:
            rows[(change["entity"], change["row"]["id"])] = change["row"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return rows


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_pushers_never_make_the_puller_skip_a_row(
    servers: list[str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    token, puller_id = sign_up(servers[0], "Puller")
    puller = Client(servers, token, puller_id)
    request.addfinalizer(puller.close)
    shared = new_id()
    people = [sign_up(servers[0], f"Pusher{n}") for n in range(PUSHERS)]
    puller.push(
        ("project.create", {"id": shared, "name": "shared", "key": key()}),
        *[("member.put", {"project_id": shared, "user_id": uid, "role": "member"}) for _, uid in people],
    )

    reader = Puller(puller)
    thread = threading.Thread(target=reader.run, name="puller", daemon=True)
    thread.start()
    spawn = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"pusher-{n}.json" for n in range(PUSHERS)]
    procs = [
        spawn.Process(target=pusher, args=(servers, tok, uid, shared, puller_id, n, str(out)), name=f"pusher-{n}")
        for n, ((tok, uid), out) in enumerate(zip(people, outs, strict=True))
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(240)
    reader.stop.set()
    thread.join(120)
    assert not thread.is_alive()
    if reader.error is not None:
        raise reader.error
    assert [proc.exitcode for proc in procs] == [0] * PUSHERS, "a pusher failed (see its traceback above)"
    reader.drain()

    fresh = full_pull(puller)
    assert reader.rows.keys() == fresh.keys()
    for row_key, row in fresh.items():
        assert reader.rows[row_key]["seq"] == row["seq"], row_key
        assert reader.rows[row_key] == row, row_key

    results = [orjson.loads(out.read_bytes()) for out in outs]
    tasks = {k[1]: r for k, r in fresh.items() if k[0] == "task"}
    live = {tid for tid, r in tasks.items() if not r["deleted"]}
    expected_live = {tid for result in results for tid in result["tasks"]}
    assert live == expected_live
    assert {tid for result in results for tid in result["deleted"]} == set(tasks) - live
    numbers: dict[str, list[int]] = {}
    for row in tasks.values():
        numbers.setdefault(row["project_id"], []).append(row["number"])
    assert set(numbers) <= {shared} | {result["own"] for result in results}
    for project, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), (project, sorted(found))
    assert reader.pages > 1


def race(*calls: Any) -> list[Any]:
    """Runs the calls at once (as far as threads allow) and returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_one_client_racing_itself_applies_each_mutation_once(
    servers: list[str], request: pytest.FixtureRequest
) -> None:
    token, user_id = sign_up(servers[0], "Racer")
    me = Client(servers, token, user_id)
    request.addfinalizer(me.close)
    project = new_id()
    me.push(("project.create", {"id": project, "name": "race", "key": key()}))
    https = [httpx.Client(base_url=servers[i % len(servers)], timeout=TIMEOUT) for i in range(2)]
    for http in https:
        request.addfinalizer(http.close)
    rng = random.Random(7)
    applied: dict[int, int] = {}
    created: dict[int, str] = {}

    def mutation(n: int) -> dict[str, Any]:
        tid = created.setdefault(n, new_id())
        return {"mutation_id": n, "name": "task.create", "args": {"id": tid, "project_id": project, "title": f"#{n}"}}

    lmid = 1
    for _ in range(15):
        start = lmid + 1
        # The same batch twice, a longer overlapping one, or the next batch sent before this one lands.
        a = list(range(start, start + rng.randint(1, 6)))
        shape = rng.choice(["same", "overlap", "ahead"])
        b = a if shape == "same" else list(range(start, a[-1] + rng.randint(1, 4)))
        if shape == "ahead":
            b = list(range(a[-1] + 1, a[-1] + 1 + rng.randint(1, 4)))
        pending = [a, b]
        while pending:
            answers = race(
                *[
                    lambda ids=ids, http=http: me.send([mutation(n) for n in ids], http)
                    for ids, http in zip(pending, https[: len(pending)], strict=True)
                ]
            )
            retry = []
            for ids, r in zip(pending, answers, strict=True):
                if r.status_code == 409:
                    assert r.json()["error"]["code"] == "out_of_order"
                    retry.append(ids)
                    continue
                assert r.status_code == 200, r.text
                for result in r.json()["results"]:
                    assert result["status"] in ("applied", "duplicate"), result
                    if result["status"] == "applied":
                        applied[result["mutation_id"]] = applied.get(result["mutation_id"], 0) + 1
            assert len(retry) < len(pending), "every push was out of order"
            pending = retry
        lmid = max(lmid, *a, *b)

    assert applied == {n: 1 for n in range(2, lmid + 1)}
    rows = full_pull(me)
    titles = sorted(int(r["title"][1:]) for k, r in rows.items() if k[0] == "task")
    assert titles == list(range(2, lmid + 1))
    numbers = sorted(r["number"] for k, r in rows.items() if k[0] == "task")
    assert numbers == list(range(1, lmid))
