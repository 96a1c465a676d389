"""The rooms' doors (docs/architecture.md), from the real import graph (grimp, import-linter's engine)."""

from __future__ import annotations

import functools
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import grimp

ROOMS = ("app", "sync", "server", "keel_cli", "keel_local")
ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOMS, cache_dir=None)


def room_edges() -> set[tuple[str, str]]:
    g = graph()
    return {
        (a, b) for a, b in permutations(ROOMS, 2) if g.direct_import_exists(importer=a, imported=b, as_packages=True)
    }


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Every elementary cycle of the rooms' graph (a handful of nodes: a depth-first walk from each)."""
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
    assert cycles(room_edges()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({("app", "sync"), ("sync", "server"), ("server", "app")}) == [["app", "sync", "server", "app"]]


def lint_imports(*contracts: str) -> subprocess.CompletedProcess[str]:
    args = [part for c in contracts for part in ("--contract", c)]
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_sync_the_server_and_the_leaf_keep_their_doors() -> None:
    result = lint_imports("sync-door", "server-door", "local-leaf")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_imports_neither_cli_nor_server() -> None:
    result = lint_imports("app-door")
    assert result.returncode == 0, result.stdout
    assert not graph().find_shortest_chains(importer="app", imported="keel_cli", as_packages=True)


def test_the_leaf_imports_nothing_of_keel() -> None:
    """keel_local (paths, ports, health waits, the demo server's command) is shared by the app and the
    command line, so it imports neither, nor anything else of Keel."""
    assert graph().find_modules_directly_imported_by("keel_local") == set()


def test_the_app_and_the_command_line_sign_in_and_out_through_one_policy() -> None:
    """sync/session.py holds the policy (tests/sync/test_session.py); both doors to an account go through it."""
    g = graph()
    for importer in ("app.core", "keel_cli._online"):
        assert g.direct_import_exists(importer=importer, imported="sync.session"), importer


def test_the_reminders_runner_and_the_phones_scheduler_do_not_import_each_other() -> None:
    g = graph()
    assert g.find_shortest_chain(importer="app.reminders.mobile", imported="app.reminders.runner") is None


# What `keel status` and `keel tasks list` must not load: each is most of a start-up that the reads never
# use (the protocol's pydantic models, SQLAlchemy that compiled the cache's DDL, the HTTP client).
HEAVY = ("pydantic", "pydantic_core", "sqlalchemy", "sqlmodel", "httpx")


def test_keel_status_and_tasks_list_import_no_pydantic_sqlalchemy_or_httpx(tmp_path: Path) -> None:
    """Their start-up target (issue 14: 250 ms cold) holds only while these stay out (docs/benchmarks.md)."""
    from sync.store import Store
    from tests.sync.factories import ME, page, project, status, task, user

    pid, sid = "0190a000-0000-7000-8000-0000000000a1", "0190a000-0000-7000-8000-0000000000b1"
    store = Store.open(tmp_path / "store.db")
    store.set_account("http://127.0.0.1:9", ME, "wangwei@example.com")
    rows = (user(), project(pid), status(pid, sid, "待办", "todo", "a0"), task(pid, sid, title="首屏加载优化"))
    store.apply_pull(page(*rows), bulk=True)
    store.finish_bulk()
    store.close()
    probe = (
        "import sys, contextlib, io\n"
        "from keel_cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    assert main(['status', '--data-dir', {str(tmp_path)!r}]) == 0\n"
        f"    assert main(['tasks', 'list', '--project', 'APP', '--data-dir', {str(tmp_path)!r}]) == 0\n"
        "assert '首屏加载优化' in out.getvalue(), out.getvalue()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
