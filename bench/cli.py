"""CLI cold start: `keel status` and `keel tasks list` as a person runs them, a fresh process each.

    sh scripts/uv run python -m bench.cli [--runs 7] [--tasks 2000]

A data directory gets a cache of one project (key BENCH, three statuses) with `--tasks` tasks,
written through the store's pull path. Each figure is the median wall time of `--runs` runs of
`python -m keel_cli ...` (interpreter start, imports, opening the store, the query, the output),
after one warm-up run (the page cache, and the bytecode it caches). `*_cpu_ms` is its CPU time
(user and system, median), the steadier figure on a loaded machine; `*_rss_mb` is the process's
peak RSS; both from wait4.
Prints one JSON line: the figures, the load average, the targets and a `met` map.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"status_cold_ms": 250.0, "tasks_list_cold_ms": 250.0}
PROJECT = "0190b000-0000-7000-8000-00000000b001"
ME = "0190b000-0000-7000-8000-00000000a001"
T0 = "2026-11-01T08:00:00.000000Z"


def _row(entity: str, seq: int, **row: Any) -> dict[str, Any]:
    return {"entity": entity, "seq": seq, "row": {"seq": seq, "deleted": False, **row}}


def build_cache(folder: str, tasks: int) -> None:
    """A cache of one project and `tasks` tasks, written as a pull writes it (the store's own path)."""
    from sync.store import STORE_FILE, Store

    statuses = [
        (f"0190b000-0000-7000-8000-0000000c000{n}", name, cat)
        for n, (name, cat) in enumerate((("待办", "todo"), ("进行中", "doing"), ("已完成", "done")))
    ]
    changes = [
        _row("user", 1, id=ME, display_name="王伟", email="wangwei@bench.keel"),
        _row("project", 2, id=PROJECT, name="基准", key="BENCH", kind="product", description="", archived=False),
        _row("member", 3, id=f"{PROJECT}:{ME}", project_id=PROJECT, user_id=ME, role="owner"),
    ]
    for n, (sid, name, category) in enumerate(statuses):
        changes.append(
            _row(
                "status",
                4 + n,
                id=sid,
                project_id=PROJECT,
                name=name,
                category=category,
                position=f"a{n}",
                pauses_sla=False,
            )
        )
    for n in range(tasks):
        changes.append(
            _row(
                "task",
                10 + n,
                id=f"0190b000-0000-7000-8000-{n:012d}",
                project_id=PROJECT,
                number=n + 1,
                title=f"活动页首屏加载优化 {n}",
                description="埋点补齐与接口超时重试" * 10,
                status_id=statuses[n % 3][0],
                assignee_id=ME,
                reporter_id=ME,
                priority="medium",
                type="task",
                labels=["前端"] if n % 2 else [],
                parent_id=None,
                position=f"a{n:06d}",
                start_at=None,
                due_at=None,
                estimate=None,
                created_at=T0,
                updated_at=T0,
                iteration_id=None,
            )
        )
    store = Store.open(os.path.join(folder, STORE_FILE))
    store.set_account("http://127.0.0.1:9", ME, "wangwei@bench.keel")
    page = {
        "cursor": changes[-1]["seq"],
        "has_more": False,
        "remaining": 0,
        "last_mutation_id": 0,
        "changes": changes,
        "revoked_projects": [],
    }
    store.apply_pull(page, bulk=True)
    store.finish_bulk()
    store.close()


# Bytecode cached (in a folder of its own), as an installed `keel` has it: the warm-up run writes it.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "keel-bench-pycache")


def _run(args: list[str]) -> tuple[float, float, float]:
    """Wall milliseconds, CPU milliseconds and peak RSS (MB) of one `python -m keel_cli ...`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "keel_cli", *args], cwd=ROOT, stdout=subprocess.DEVNULL, env=_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"keel {' '.join(args)} exited with {proc.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024


def measure(folder: str, runs: int) -> dict[str, Any]:
    commands = {
        "status": ["status", "--data-dir", folder],
        "tasks_list": ["tasks", "list", "--project", "BENCH", "--limit", "50", "--data-dir", folder],
    }
    out: dict[str, Any] = {}
    for name, args in commands.items():
        _run(args)  # warm-up: the page cache, .pyc files
        samples = [_run(args) for _ in range(runs)]
        walls = [w for w, _, _ in samples]
        out[f"{name}_cold_ms"] = statistics.median(walls)
        out[f"{name}_cold_min_ms"] = min(walls)
        out[f"{name}_cold_max_ms"] = max(walls)
        out[f"{name}_cold_cpu_ms"] = statistics.median(c for _, c, _ in samples)
        out[f"{name}_rss_mb"] = max(r for _, _, r in samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        build_cache(folder, args.tasks)
        figures = {"runs": args.runs, "tasks": args.tasks, "load_avg": os.getloadavg()[0], **measure(folder, args.runs)}
    met = {key: bool(figures[key] <= target) for key, target in TARGETS.items()}
    rounded = {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "cli", **rounded, "targets": TARGETS, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
