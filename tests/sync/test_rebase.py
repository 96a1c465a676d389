"""A pull or a rollback rebases only what depends on the change: the view must equal a full replay."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from sync.store import Store
from sync.store._replay import replay
from sync.store._schema import ENTITIES
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
STATUSES = [f"0190a000-0000-7000-8000-0000000000b{n}" for n in (1, 2, 3)]


def view(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {e: sorted(tuple(r) for r in store.conn.execute(f"SELECT * FROM {e}")) for e in ENTITIES}


def full_replay(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """The view a replay of the whole outbox on the base gives (rolled back afterwards)."""
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        replay(store.conn, store.user_id or "", set())
        return view(store)
    finally:
        store.conn.execute("ROLLBACK")


@pytest.mark.parametrize("seed", range(12))
def test_partial_rebase_equals_full_replay(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    store = Store.open(tmp_path / "c.db")
    store.set_account("http://keel.test", f.ME, "wangwei@example.com")
    server: dict[str, dict[str, Any]] = {}  # task id -> the server's current change
    names = ("To do", "Doing", "Done")
    base = [f.user(), f.project(PID), f.member(PID)]
    base += [f.status(PID, s, n, n.lower(), f"a{i}") for i, (s, n) in enumerate(zip(STATUSES, names, strict=True))]
    for n in range(12):
        c = f.task(PID, rnd.choice(STATUSES), title=f"任务{n}", position=f"a{n}")
        server[c["row"]["id"]] = c
        base.append(c)
    store.apply_pull(f.page(*base))
    for _ in range(60):
        tasks = [t["id"] for t in store.tasks(PID)] or list(server)
        action = rnd.randrange(10)
        if action == 0:
            store.create_task(PID, "离线新建", **({"status_id": rnd.choice(STATUSES)} if rnd.random() < 0.5 else {}))
        elif action == 1:
            store.create_task(PID, "子任务", parent_id=rnd.choice(tasks))
        elif action == 2:
            store.update_task(rnd.choice(tasks), title=f"改 {rnd.randrange(5)}", labels_add=["x"])
        elif action == 3:
            store.move_task(rnd.choice(tasks), rnd.choice(STATUSES))
        elif action == 4:
            store.delete_task(rnd.choice(tasks))
        elif action == 5:
            store.create_comment(rnd.choice(tasks), "评论")
        elif action in (6, 7, 8):
            changes = []
            for _ in range(rnd.randrange(1, 5)):
                kind = rnd.random()
                if kind < 0.3 or not server:
                    c = f.task(PID, rnd.choice(STATUSES), title="别人新建", position=f"a{rnd.randrange(20)}")
                else:
                    old = server[rnd.choice(list(server))]
                    if kind < 0.45:
                        c = f.tombstone(old)
                    else:
                        keep = ("title", "parent_id", "labels")
                        row = {k: old["row"][k] for k in keep} | {"position": f"b{rnd.randrange(9)}"}
                        c = f.task(PID, rnd.choice(STATUSES), old["row"]["id"], **row)
                if c["row"].get("deleted"):
                    server.pop(c["row"]["id"], None)
                else:
                    server[c["row"]["id"]] = c
                changes.append(c)
            outbox = store.outbox()
            lmid = outbox[rnd.randrange(len(outbox))].mutation_id if outbox and rnd.random() < 0.5 else 0
            store.apply_pull(f.page(*changes, lmid=lmid, cursor=store.cursor + 1))
            assert view(store) == full_replay(store)
        else:
            batch = store.outbox_batch(5)
            if batch:
                results = [{"mutation_id": e.mutation_id, "status": rnd.choice(("applied", "rejected"))} for e in batch]
                store.record_push({"last_mutation_id": batch[-1].mutation_id, "results": results})
                assert view(store) == full_replay(store)
    store.close()
