"""Smoke test of the desk benchmark: a small run prints one JSON line with every figure and the target,
and its desk fills the queues it times (speed is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bench_desk_prints_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.desk", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "desk" and figures["targets"] == {"queue_all_cpu_ms": 1000.0}
    assert all(isinstance(figures[name], float) for name in ("queue_all_ms", "queue_all_cpu_ms", "queue_breaching_ms"))
    # 300 tickets of six months: some wait for their requester, some are late, most are resolved.
    assert figures["tickets"] == 300 and 0 < figures["waiting"] < figures["resolved"] and figures["breached"] > 0
