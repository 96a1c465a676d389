"""Smoke test of the client benchmark: a small run prints one JSON line with every figure (speed is never asserted)."""

from __future__ import annotations

import pytest

from tests.bench.run import assert_figures, bench_line

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
    result = bench_line("bench.sync", "--n", "500", "--quick", timeout=580)
    assert result["n"] == 500
    assert_figures(result, FIGURES)
