"""Smoke test of the similar-tickets benchmark: a small run prints one JSON line with every figure (speed is
never asserted)."""

from __future__ import annotations

import pytest

from tests.bench.run import assert_figures, bench_line

FIGURES = ("load_s", "build_s", "query_p50_ms", "query_p95_ms", "query_after_add_ms", "clusters_30d_s", "peak_rss_mb")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_similar_prints_figures_targets_and_met() -> None:
    result = bench_line("bench.similar", "--n", "300", "--queries", "20", timeout=220)
    assert result["bench"] == "similar" and result["n"] == 300
    assert result["clusters_found"] > 0
    assert_figures(result, FIGURES)
