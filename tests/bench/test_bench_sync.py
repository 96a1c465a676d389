"""Smoke test of the client benchmark: a small run prints one JSON line with every figure (speed is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
FIGURES = (
    "n",
    "bootstrap_s",
    "search_ready_s",
    "client_peak_rss_mb",
    "propagation_p50_ms",
    "propagation_p99_ms",
    "push_1000_s",
    "local_write_p50_ms",
    "board_query_p95_ms",
)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_bench_sync_prints_figures_targets_and_met() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync", "--n", "500", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["n"] == 500
    for key in FIGURES:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool) and value > 0, (key, value)
    assert set(result["met"]) == set(result["targets"])
    assert all(isinstance(v, bool) for v in result["met"].values())
    assert all(key in result for key in result["targets"])
