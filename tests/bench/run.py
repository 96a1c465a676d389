"""Runs a benchmark module as a person would and checks the shape of its one JSON line (never its speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def bench_line(module: str, *args: str, timeout: float) -> dict[str, Any]:
    """`python -m <module> <args>` from the repository root: exits 0 and prints one JSON line, returned."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    result: dict[str, Any] = json.loads(lines[0])
    return result


def assert_figures(result: dict[str, Any], figures: tuple[str, ...]) -> None:
    """Every figure is a positive number, and every target has its figure and a yes/no in `met`."""
    for key in figures:
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool) and value > 0, (key, value)
    assert set(result["met"]) == set(result["targets"])
    assert all(isinstance(v, bool) for v in result["met"].values())
    assert all(key in result for key in result["targets"])
