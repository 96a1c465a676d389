"""Smoke test of the app benchmark: a small run in Chromium prints one JSON line with every figure,
and the long column is windowed (speed is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.e2e.browser import chromium_missing

ROOT = Path(__file__).resolve().parent.parent.parent
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
    done = subprocess.run(
        [sys.executable, "-m", "bench.app", "--n", str(N), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["n"] == N
    for key in FIGURES:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool) and value > 0, (key, value)
    assert set(result["met"]) == set(result["targets"])
    assert all(isinstance(v, bool) for v in result["met"].values())
    assert all(key in result for key in result["targets"])
    # The column holds N extra cards plus the demo's, but the app built and sent only a window of them.
    assert result["column_cards_n"] > N
    assert result["cards_rendered_n"] <= N // 5, result["cards_rendered_n"]
    assert result["cards_in_semantics_n"] <= N // 5, result["cards_in_semantics_n"]
    # The far scroll reached the end: the last card came into the window, so it was sent.
    assert result["far_scroll_cards_sent_n"] > 0
