"""The rooms' doors (docs/architecture.md), from the real import graph (grimp, import-linter's engine)."""

from __future__ import annotations

import functools
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import grimp
import pytest

ROOMS = ("app", "sync", "server", "keel_cli")
ROOT = Path(__file__).resolve().parent.parent
# The one door still open, closed by phase 2 of issue 11 (test_the_app_imports_neither_cli_nor_server):
# app/core.py, main.py and demo.py take paths, ports and the demo server command from keel_cli, which
# imports app.main back.
KNOWN_DEBT = {("app", "keel_cli")}


@functools.cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOMS, cache_dir=None)


def room_edges() -> set[tuple[str, str]]:
    g = graph()
    return {
        (a, b) for a, b in permutations(ROOMS, 2) if g.direct_import_exists(importer=a, imported=b, as_packages=True)
    }


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Every elementary cycle of the rooms' graph (four nodes: a depth-first walk from each)."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for a, b in sorted(edges):
            if a != path[-1]:
                continue
            if b == path[0]:
                found.append([*path, b])
            elif b not in path and b > path[0]:
                walk([*path, b])

    for room in ROOMS:
        walk([room])
    return found


def test_no_import_cycle_between_the_rooms() -> None:
    assert cycles(room_edges() - KNOWN_DEBT) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({("app", "sync"), ("sync", "server"), ("server", "app")}) == [["app", "sync", "server", "app"]]


def lint_imports(*contracts: str) -> subprocess.CompletedProcess[str]:
    args = [part for c in contracts for part in ("--contract", c)]
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_sync_and_the_server_keep_their_doors() -> None:
    result = lint_imports("sync-door", "server-door")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.xfail(
    strict=True,
    reason="phase 2 of issue 11: app/core.py, main.py and demo.py still import keel_cli "
    "(data_dir, STORE_FILE, free_port, _wait_healthy, demo_server_command); a leaf module will hold them",
)
def test_the_app_imports_neither_cli_nor_server() -> None:
    result = lint_imports("app-door")
    assert result.returncode == 0, result.stdout
