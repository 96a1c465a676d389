"""Smoke test of the app benchmark: a small run in Chromium prints one JSON line with every figure,
and the long column is windowed (speed is never asserted)."""

from __future__ import annotations

import pytest

from tests.bench.run import assert_figures, bench_line
from tests.conftest import missing
from tests.e2e.browser import chromium_missing

N = 300
FIGURES = (
    "board_open_ms_10",
    "board_open_ms_n",
    "open_ratio",
    "far_scroll_ms_n",
    "cards_rendered_10",
    "cards_rendered_n",
    "cards_in_semantics_n",
    "scroll_frames_n",
    "scroll_px_per_s_n",
)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_app_prints_figures_and_windows_the_long_column() -> None:
    reason = chromium_missing()
    if reason:
        missing(reason)
    result = bench_line("bench.app", "--n", str(N), "--quick", timeout=220)
    assert result["n"] == N
    assert_figures(result, FIGURES)
    # The column holds N extra cards plus the demo's, but the app built and sent only a window of them.
    assert result["column_cards_n"] > N
    assert result["cards_rendered_n"] <= N // 5, result["cards_rendered_n"]
    assert result["cards_in_semantics_n"] <= N // 5, result["cards_in_semantics_n"]
    # The far scroll reached the end: the last card came into the window, so it was sent.
    assert result["far_scroll_cards_sent_n"] > 0
