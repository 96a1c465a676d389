"""Local writes alone: `bench.sync`'s local-write figure without its server, bootstrap and push.

    sh scripts/uv run python -m bench.local_write [--n 100000] [--writes 1000] [--cache FILE] [--profile]

A cache of `--n` tasks (`bench.sync`'s generated tasks, in one project of three columns) is written
through the store's bulk pull, its base copies and search index filled (as a bootstrap leaves it
once the engine's `build_search_detached` ran), and kept in a temporary folder. Then, as
`bench.sync.measure_local` does: a TRUNCATE checkpoint, and `Store.update_task(title=…)` on
`--writes` random cards, each timed (wall, and the thread's CPU time, the steadier figure on a
loaded machine). `--profile` prints cProfile's top functions of the writes too. With `--cache`,
the cache is built there once and each run writes to a copy of it (runs back to back, or the code
before and after a change, on the same cache).
Prints one JSON line: the figures, the load average, the targets and a `met` map.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

from bench.sync import STATUSES, TARGETS, _percentile, generate_tasks
from sync.store import Store

PROJECT = "0190b000-0000-7000-8000-00000000b001"
ME = "0190b000-0000-7000-8000-00000000a001"
T0 = "2026-11-01T08:00:00.000000Z"
PAGE = 5000


def _change(entity: str, seq: int, **row: Any) -> dict[str, Any]:
    return {"entity": entity, "seq": seq, "row": {"seq": seq, "deleted": False, **row}}


def task_id(n: int) -> str:
    return f"0190b000-0000-7000-8000-{n:012d}"


def build_cache(path: str, n: int) -> None:
    statuses = [f"0190b000-0000-7000-8000-0000000c000{i}" for i in range(len(STATUSES))]
    changes = [
        _change("user", 1, id=ME, display_name="王伟", email="wangwei@bench.keel"),
        _change("project", 2, id=PROJECT, name="基准", key="BENCH", kind="product", description="", archived=False),
        _change("member", 3, id=f"{PROJECT}:{ME}", project_id=PROJECT, user_id=ME, role="owner"),
    ]
    for i, ((name, category), sid) in enumerate(zip(STATUSES, statuses, strict=True)):
        status = {"project_id": PROJECT, "name": name, "category": category, "position": f"a{i}", "pauses_sla": False}
        changes.append(_change("status", 4 + i, id=sid, **status))
    for i, t in enumerate(generate_tasks(n)):
        row = {"project_id": PROJECT, "number": i + 1, "title": t["title"], "description": t["description"]}
        row |= {"status_id": statuses[i % len(statuses)], "assignee_id": ME, "reporter_id": ME, "type": "task"}
        row |= {"priority": t["priority"], "labels": t["labels"], "parent_id": None, "position": f"a{i:06d}"}
        row |= {"start_at": None, "due_at": f"{t['due_date']}T00:00:00.000000Z", "estimate": None}
        changes.append(_change("task", 10 + i, id=task_id(i), created_at=T0, updated_at=T0, iteration_id=None, **row))
    store = Store.open(path)
    store.set_account("http://127.0.0.1:9", ME, "wangwei@bench.keel")
    for start in range(0, len(changes), PAGE):
        chunk = changes[start : start + PAGE]
        more = start + PAGE < len(changes)
        page = {"cursor": chunk[-1]["seq"], "has_more": more, "remaining": 0, "last_mutation_id": 0}
        store.apply_pull({**page, "changes": chunk, "revoked_projects": []}, bulk=True)
    store.finish_bulk()
    store.close()


def measure(path: str, n: int, writes: int, profile: bool) -> dict[str, Any]:
    import sync.protocol  # noqa: F401  # imported before the first write, as in the app and bench.sync

    store = Store.open(path)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sample = random.Random(11).sample(range(n), min(writes, n))
    wall, cpu = [], []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for i, card in enumerate(sample):
        t0, c0 = time.perf_counter(), time.thread_time()
        store.update_task(task_id(card), title=f"离线修改 {i}：活动页首屏加载优化与埋点补齐")
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    pending = store.pending_count()
    store.close()
    return {
        "local_write_p50_ms": statistics.median(wall),
        "local_write_p99_ms": _percentile(wall, 99),
        "local_write_cpu_p50_ms": statistics.median(cpu),
        "local_write_cpu_p99_ms": _percentile(cpu, 99),
        "pending": pending,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--cache", help="build the cache in this file once, and write to a copy of it")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "cache.db")
        if args.cache and not os.path.exists(args.cache):
            build_cache(args.cache, args.n)
        if args.cache:
            shutil.copy(args.cache, path)
        else:
            build_cache(path, args.n)
        figures = {"n": args.n, "writes": args.writes, **measure(path, args.n, args.writes, args.profile)}
        figures["load_avg"] = os.getloadavg()[0]
    targets = {k: v for k, v in TARGETS.items() if k.startswith("local_write")}
    met = {key: bool(figures[key] <= target) for key, target in targets.items()}
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "local_write", **rounded, "targets": targets, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
