"""The kill test: a real `keel sync` process is killed with SIGKILL at random points, then run again.

Seeded, so a failure can be replayed. The first phase kills a bootstrap of a few thousand rows, the
second a push of 300 edits queued offline. At the end nothing is lost and nothing is duplicated: the
server has every task once (titles unique, numbers dense), the client's outbox is empty and its
view equals the server's.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from typing import Any

from sync.store import Store
from tests.cli.conftest import Keel, person_with_project
from tests.factories import Api, Person, new_id, rows

SEED = 20_250_301
BOOTSTRAP_TASKS = 3000
OFFLINE_ROUNDS = 3
CREATES_PER_ROUND = 80
UPDATES_PER_ROUND = 20  # 3 x (80 + 20) = 300 queued edits
BOOTSTRAP_KILLS = 2
MAX_DELAY_S = 1.2  # after the process says it started syncing
COMPARED = ["id", "project_id", "number", "title", "description", "status_id", "assignee_id", "priority", "labels"]
COMPARED += ["position", "due_at", "updated_at"]


def test_sigkill_during_sync_loses_nothing_and_duplicates_nothing(client: Any, api: Api, server_url: str) -> None:
    rand = random.Random(SEED)
    owner, project_id = person_with_project(api, "a@example.com")
    for start in range(0, BOOTSTRAP_TASKS, 500):
        owner.push(*[task_create(project_id, f"服务器任务 {n}") for n in range(start, start + 500)])
    keel: Keel = client("a")
    keel.login(server_url, "a@example.com")
    landed = relogins = 0

    def sync_killed_at_random() -> None:
        nonlocal landed, relogins
        proc = keel.popen("sync", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        first = proc.stderr.readline()  # "syncing with …": imports are done, no request sent yet
        time.sleep(rand.uniform(0, MAX_DELAY_S))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            landed += 1
        code = proc.wait(30)
        proc.stderr.close()
        assert code in (0, 3, -signal.SIGKILL), (code, first)
        relogins += signed_in_again(keel, code, server_url)

    for _ in range(BOOTSTRAP_KILLS):  # phase 1: the bootstrap
        sync_killed_at_random()
    relogins += finish(keel, server_url)

    expected_priority: dict[str, str] = {}
    for round_ in range(OFFLINE_ROUNDS):  # phase 2: edits made offline, pushed and killed
        queue_offline_edits(keel, project_id, round_, rand, expected_priority)
        sync_killed_at_random()
    relogins += finish(keel, server_url)

    server_tasks = everything(owner)
    titles = [t["title"] for t in server_tasks.values()]
    assert len(titles) == BOOTSTRAP_TASKS + OFFLINE_ROUNDS * CREATES_PER_ROUND
    assert len(set(titles)) == len(titles)
    assert sorted(t["number"] for t in server_tasks.values()) == list(range(1, len(titles) + 1))
    for task_id, priority in expected_priority.items():
        assert server_tasks[task_id]["priority"] == priority

    store = Store.open(keel.data_dir / "store.db")
    try:
        assert store.outbox() == [] and store.rejections() == []
        cached = {t["id"]: t for t in store.tasks(project_id, limit=100_000)}
    finally:
        store.close()
    assert view(cached) == view(server_tasks)
    assert landed >= 1, "no kill landed while syncing"
    print(f"kills landed: {landed}, sign-ins again: {relogins}")


def task_create(project_id: str, title: str) -> tuple[str, dict[str, Any]]:
    return "task.create", {"id": new_id(), "project_id": project_id, "title": title, "description": "x" * 200}


def queue_offline_edits(
    keel: Keel, project_id: str, round_: int, rand: random.Random, expected_priority: dict[str, str]
) -> None:
    """Store actions, as `keel tasks add/edit` make them, with no sync in between."""
    store = Store.open(keel.data_dir / "store.db")
    try:
        for n in range(CREATES_PER_ROUND):
            store.create_task(project_id, f"离线任务 {round_}-{n}", labels=[f"r{round_}"])
        existing = [t["id"] for t in store.tasks(project_id, limit=100_000)]
        for task_id in rand.sample(existing, UPDATES_PER_ROUND):
            priority = rand.choice(["urgent", "high", "medium", "low"])
            store.update_task(task_id, priority=priority, labels_add=[f"edited{round_}"])
            expected_priority[task_id] = priority
    finally:
        store.close()


def signed_in_again(keel: Keel, code: int, server_url: str) -> int:
    """A kill between the server rotating the refresh token and the keyring saving the new one ends
    the sign-in (the server sees the old token reused), so the next run exits 3: the person signs in
    again, and the outbox is untouched. Returns 1 when that happened."""
    if code != 3:
        return 0
    keel.login(server_url, "a@example.com")
    return 1


def finish(keel: Keel, server_url: str) -> int:
    """Syncs to the end (signing in again first if a kill ended the sign-in); returns the sign-ins."""
    result = keel.main("sync")
    again = signed_in_again(keel, result.code, server_url)
    if again:
        result = keel.main("sync")
    assert result.code == 0, result
    return again


def everything(owner: Person) -> dict[str, dict[str, Any]]:
    owner.cursor = 0
    changes, _ = owner.pull_all(limit=5000)
    return {i: t for i, t in rows(changes, "task").items() if not t.get("deleted")}


def view(tasks: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {task_id: tuple(_norm(task[k]) for k in COMPARED) for task_id, task in tasks.items()}


def _norm(value: Any) -> Any:
    return tuple(sorted(value)) if isinstance(value, list) else value
