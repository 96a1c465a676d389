"""What a cold start of the app imports before its first frame (docs/benchmarks.md, "Start-up").

`keel app` imports `app.main`, and the first session waits for `app.preload.MODULES`; the screens and
the task detail are imported when first drawn (`app.ui.screens`, `app.ui.detail`) or warmed after the
first frame (`app.preload.warm`). Each check runs in a fresh interpreter: this one has imported
whatever other tests needed.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app import preload
from app.ui.screens import SCREENS, Screen

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ("keel_cli", "app.main")
PRELOAD = "from app import preload\nimport asyncio\npreload.start()\nasyncio.run(preload.ready())"
# The board's cards and gestures, the charts, exports and search's segmentation: none is on screen
# in the first frame (sign-in, or home).
HEAVY = (
    "flet_charts",
    "matplotlib",
    "xlsxwriter",
    "jieba",
    "app.ui.charts",
    "app.ui.card",
    "app.ui.touch",
    "app.ui.board_column",
    "app.ui.detail.view",
    "rich",  # httpx's command line's (app.preload.skip_httpx_cli)
    "pygments",
)


def imported_after(*modules: str, then: str = "") -> set[str]:
    """The modules a fresh interpreter holds after importing `modules` (and running `then`)."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        f"{then}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def first_frame() -> set[str]:
    return imported_after(*ENTRY, then=PRELOAD)


def test_the_first_frame_imports_no_heavy_module(first_frame: set[str]) -> None:
    assert {*preload.MODULES, "app.ui.screens.signin", "httpx"} <= first_frame
    assert sorted(m for m in HEAVY if m in first_frame) == []


def test_the_first_frame_imports_no_screen_but_home(first_frame: set[str]) -> None:
    screens = {s.module for s in SCREENS} - {"app.ui.screens.home"}
    assert sorted(screens & first_frame) == []


def test_warming_imports_every_screen_and_the_detail() -> None:
    warmed = imported_after(*ENTRY, then=f"{PRELOAD}\npreload._warm(0)")
    assert sorted({s.module for s in SCREENS} - warmed) == []
    assert {"app.ui.detail.view", "app.ui.charts", "flet_charts"} <= warmed


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_every_line_of_the_registry_names_a_component_of_its_module(screen: Screen) -> None:
    assert screen.module.startswith("app.ui.screens.")
    component = screen.component
    assert callable(component)
    assert importlib.import_module(screen.module).__dict__[screen.attr] is component
