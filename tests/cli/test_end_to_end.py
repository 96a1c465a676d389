"""`keel` as real processes against a real server: convergence, offline edits, rejections, the sync lock."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest

from keel_cli import free_port
from keel_cli._local import sync_lock
from sync.credentials import service_name
from tests.cli.conftest import Keel, person_with_project, serve
from tests.factories import Api, rows


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the client's processes, and each costs seconds of start-up; the
    server's backends are covered by tests/server, and the in-process and kill tests here run on both."""
    return f"sqlite:///{tmp_path}/server.db"


def files_contain(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_two_clients_converge_through_the_server(client: Any, api: Api, server_url: str) -> None:
    a: Keel = client("a")
    b: Keel = client("b")
    owner, project_id = person_with_project(api, "a@example.com")
    teammate = api.person(email="b@example.com")
    owner.share(project_id, teammate, "member")

    a.login(server_url, "a@example.com", subprocess=True)
    token = keyring.get_password(service_name(server_url), "a@example.com")
    assert token and files_contain(a.data_dir, token) == []  # the keyring holds it, the data dir never does
    b.login(server_url, "b@example.com")

    assert a.main("tasks", "add", "--project", "APP", "x").code == 1  # A has not synced: APP is unknown here
    assert a.run("sync").code == 0
    added = a.run("tasks", "add", "--project", "APP", "首页信息流改版", "--assignee", "b@example.com")
    assert added.code == 0 and "Added" in added.out, added
    synced = a.run("sync")
    assert synced.code == 0 and "sent 1" in synced.err, synced
    assert b.main("sync").code == 0
    listed = b.run("tasks", "list", "--project", "APP", "--json")
    assert listed.code == 0, listed
    [task] = listed.json()
    assert task["key"] == "APP-1" and task["title"] == "首页信息流改版" and task["assignee_id"] == teammate.id
    assert task["pending"] is False
    [mine] = a.ok("tasks", "list", "--project", "APP", "--json").json()
    assert mine == task


def test_edits_made_while_the_server_is_down_arrive_when_it_is_back(client: Any, db_url: str) -> None:
    keel: Keel = client("a")
    port = free_port()
    with serve(db_url, port) as url, httpx.Client(base_url=url) as http:
        owner, _ = person_with_project(Api(http), "a@example.com")
        keel.login(url, "a@example.com")
        keel.ok("sync")
    # The server is down: every command still works on the cache, and sync says what happened.
    added = keel.run("tasks", "add", "--project", "APP", "在电梯里写的任务")
    assert added.code == 0, added
    failed = keel.main("sync")
    assert failed.code == 4 and "Cannot reach the server" in failed.err and "Traceback" not in failed.err
    status = keel.ok("status", "--json").json()
    assert status["outbox"] == 1 and status["last_error"]
    [offline] = keel.ok("tasks", "list", "--project", "APP", "--json").json()
    assert offline["key"] is None and offline["pending"] is True

    with serve(db_url, port) as url, httpx.Client(base_url=url) as http:  # back, same database and address
        synced = keel.run("sync")
        assert synced.code == 0, synced
        owner.http = http
        changes, _ = owner.pull_all()
        [task] = rows(changes, "task").values()
        assert task["id"] == offline["id"] and task["title"] == "在电梯里写的任务" and task["number"] == 1
    status = keel.ok("status", "--json").json()
    assert status["outbox"] == 0 and status["last_error"] is None


def test_a_viewers_refused_edit_shows_in_status(client: Any, api: Api, server_url: str) -> None:
    owner, project_id = person_with_project(api, "owner@example.com")
    owner.task(project_id, "只读任务", priority="low")
    viewer = api.person(email="viewer@example.com")
    owner.share(project_id, viewer, "viewer")
    keel: Keel = client("viewer")
    keel.login(server_url, "viewer@example.com")
    keel.ok("sync")

    edited = keel.ok("tasks", "edit", "APP-1", "--priority", "urgent", "--json").json()
    assert edited["priority"] == "urgent" and edited["pending"] is True  # optimistic until the server answers
    synced = keel.main("sync")
    assert synced.code == 0 and "The server refused task.update" in synced.err, synced
    [task] = keel.ok("tasks", "list", "--project", "APP", "--json").json()
    assert task["priority"] == "low" and task["pending"] is False  # rolled back

    shown = keel.run("status")
    assert shown.code == 0, shown
    assert "refused:    1 change(s)" in shown.out and "task.update APP-1: priority=urgent" in shown.out
    assert "why:" in shown.out and "when:" in shown.out
    [rejected] = keel.ok("status", "--json").json()["rejected"]
    assert rejected["name"] == "task.update" and rejected["code"] and rejected["message"]
    assert rejected["args"]["set"] == {"priority": "urgent"} and rejected["rejected_at"]
    assert keel.ok("status", "--dismiss").code == 0
    assert keel.ok("status", "--json").json()["rejected"] == []


def test_one_sync_engine_per_data_dir(client: Any, api: Api, server_url: str) -> None:
    keel: Keel = client("a")
    owner, project_id = person_with_project(api, "a@example.com")
    keel.login(server_url, "a@example.com")
    keel.data_dir.mkdir(exist_ok=True)
    with sync_lock(keel.data_dir):
        refused = keel.main("sync")
        assert refused.code == 5 and "already running" in refused.err

    watch = keel.popen("sync", "--watch", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines, readers = _lines(watch)
    try:
        _wait_for(lines, "synced:", watch)  # the first sync is done
        second = keel.run("sync")  # a real second process
        assert second.code == 5 and f"A sync is already running on {keel.data_dir}" in second.err, second
        assert f"process {watch.pid}" in second.err
        keel.ok("projects")  # reading (and queueing edits) is fine meanwhile
        owner.task(project_id, "别人加的任务")
        _wait_for(lines, "1 task", watch)  # poked, pulled
        assert [t["title"] for t in keel.ok("tasks", "list", "--project", "APP", "--json").json()] == ["别人加的任务"]
    finally:
        watch.send_signal(signal.SIGTERM)
        code = watch.wait(30)
        for reader in readers:
            reader.join(10)
        for stream in (watch.stdout, watch.stderr):
            assert stream is not None
            stream.close()
    assert code == 0
    assert keel.main("sync").code == 0  # the lock went with the process


def _lines(proc: subprocess.Popen[str]) -> tuple[queue.Queue[str], list[threading.Thread]]:
    """The process's stdout and stderr lines as they come, and the threads that read them."""
    found: queue.Queue[str] = queue.Queue()

    def read(stream: Any) -> None:
        for line in stream:
            found.put(line)

    readers = [threading.Thread(target=read, args=(s,), daemon=True) for s in (proc.stdout, proc.stderr)]
    for reader in readers:
        reader.start()
    return found, readers


def _wait_for(lines: queue.Queue[str], text: str, proc: subprocess.Popen[str], timeout: float = 30) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            assert proc.poll() is None, f"exited {proc.returncode}: {seen}"
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no {text!r} within {timeout} s: {seen}")
