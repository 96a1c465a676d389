"""Smoke test of the planning benchmark: a small run prints one JSON line with every figure and the
target, and the cache it built holds the tasks and their history (speed is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
FIGURES = ("dashboard_ms", "dashboard_cpu_ms", "dashboard_no_index_ms", "burndown_ms", "performance_ms")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bench_dashboard_prints_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", "--n", "300", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "dashboard" and figures["targets"] == {"dashboard_ms": 500.0}
    assert all(isinstance(figures[name], float) for name in FIGURES)
    # 300 tasks and 12 milestones; every task has a `created` event and most have more.
    assert figures["tasks"] == 312 and figures["events"] > 300
