"""App start-up benchmark: from starting `keel app --web` until its first frame is on screen.

    python -m bench.app_start [--runs 3] [--root DIR]

Headless Chromium is started first and waits with an empty page. Then, per run, a fresh `keel app
--web` (a new data directory, so the sign-in screen) is spawned; the page loads the app as soon as
its HTTP port answers and waits for the sign-in screen's "Keel". Figures (medians of the runs):

- `app_start_http_ms`: spawn until the port answers (Python's imports and Flet's server start);
- `app_start_served_ms`: spawn until the browser receives the first frame (the first websocket
  message of 1 kB or more: the page's controls);
- `app_start_first_frame_ms`: spawn until the sign-in screen shows, what a person waits for;
- `app_start_session_ms`: the browser's client connecting (its websocket) until that first frame
  arrives: the app's work for a first session (the imports it awaits, the core, the first render),
  without Flet's web server's start or the browser's;
- `app_import_ms`: a fresh interpreter's import of what the first frame needs, without a browser or
  Flet's web server: `keel_cli`, `app.main`, the checkout's `app.preload.MODULES` and Flet's theme
  (the app's own share of the above, and the least noisy figure of it).

The browser loads the Flutter client in between, the same time whatever the app does, so the
difference between two versions of the app is theirs. `--root` runs another checkout of the app
with this benchmark's browser and clock; given twice, the two checkouts start in turn (a
before/after comparison on a machine whose load drifts).

`--bytecode` lets the app's processes cache their compiled modules (in a temporary
`PYTHONPYCACHEPREFIX`, after one untimed start of each checkout), as an installed app has them: this
machine's sessions run with PYTHONDONTWRITEBYTECODE and a venv without bytecode, so without the flag
every start compiles Flet's, FastAPI's and the app's sources anew.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

# Issue 14's target is "half of today": with two roots (before, after), each figure's `met` says
# whether the second checkout's median is at most half the first's.
TARGET_SHARE = 0.5
TIMEOUT_S = 120.0
FIRST_FRAME_BYTES = 1024


def _wait_port(url: str, child: subprocess.Popen[bytes]) -> float:
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"keel app ended with {child.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.perf_counter()
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(url)


def child_env(pycache: Path | None) -> dict[str, str]:
    """The app's environment; with `pycache`, compiled modules are cached there (and reused)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LANG": "zh_CN.UTF-8", "FLET_FORCE_WEB_SERVER": "true"}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def one_start(chromium: Any, root: Path, data: Path, pycache: Path | None = None) -> dict[str, float]:
    """One cold start of `keel app --web` in `root`, timed from the spawn."""
    from keel_cli import free_port

    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    frames: list[float] = []
    connected: list[float] = []

    def received(payload: str | bytes) -> None:
        if not frames and len(payload) >= FIRST_FRAME_BYTES:
            frames.append(time.perf_counter())

    def websocket(ws: Any) -> None:
        connected.append(time.perf_counter())
        ws.on("framereceived", received)

    page.on("websocket", websocket)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "keel_cli", "app", "--web", "--port", str(port), "--data-dir", str(data)]
    env = child_env(pycache)
    with (data.parent / f"{data.name}.log").open("wb") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            http = _wait_port(url, child)
            page.goto(url)
            page.wait_for_selector("#loading", state="detached", timeout=TIMEOUT_S * 1000)
            page.locator("flt-semantics-placeholder").dispatch_event("click")
            page.get_by_text("Keel", exact=True).first.wait_for(timeout=TIMEOUT_S * 1000)
            shown = time.perf_counter()
        finally:
            page.close()
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return {
        "app_start_http_ms": (http - started) * 1000,
        "app_start_served_ms": ((frames[0] if frames else shown) - started) * 1000,
        "app_start_first_frame_ms": (shown - started) * 1000,
        "app_start_session_ms": ((frames[0] if frames else shown) - (connected[0] if connected else http)) * 1000,
    }


IMPORT_CODE = """
import importlib, time
import click  # Flet's web server (uvicorn) imports it before any of the app's modules
started = time.perf_counter()
import keel_cli, app.main, app.preload
getattr(app.preload, "skip_httpx_cli", lambda: None)()
for name in (*app.preload.MODULES, "flet.controls.theme"):
    importlib.import_module(name)
print((time.perf_counter() - started) * 1000)
"""


def import_ms(root: Path, pycache: Path | None = None) -> float:
    """What the first frame needs, imported by a fresh interpreter in `root`, in milliseconds."""
    command = [sys.executable, "-c", IMPORT_CODE]
    done = subprocess.run(command, cwd=root, env=child_env(pycache), capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in samples[0]:
        values = [s[key] for s in samples]
        out[key] = statistics.median(values)
        out[key.removesuffix("_ms") + "_samples_ms"] = [round(v) for v in values]
    return out


def app_start(chromium: Any, roots: list[Path], runs: int = 3, *, bytecode: bool = False) -> dict[str, Any]:
    """`runs` cold starts of each checkout in `roots`, alternating between them (so a drifting
    machine load weighs on each alike); the medians and every run's figures (`*_samples_ms`). With
    more than one root, each figure is suffixed with `@` and the root's position (`@0`, `@1`)."""
    samples: list[list[dict[str, float]]] = [[] for _ in roots]
    with tempfile.TemporaryDirectory(prefix="keel-bench-start-") as tmp:
        pycache = Path(tmp) / "pycache" if bytecode else None
        if pycache is not None:  # compiles and caches what a start imports; not timed
            for i, root in enumerate(roots):
                one_start(chromium, root, Path(tmp) / f"warm{i}", pycache)
        for run in range(runs):
            order = list(enumerate(roots)) if run % 2 == 0 else list(reversed(list(enumerate(roots))))
            for i, root in order:
                figures = one_start(chromium, root, Path(tmp) / f"data{i}-{run}", pycache)
                samples[i].append({**figures, "app_import_ms": import_ms(root, pycache)})
    if len(roots) == 1:
        return _summary(samples[0])
    return {f"{key}@{i}": value for i, s in enumerate(samples) for key, value in _summary(s).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--root", type=Path, action="append", help="the app's checkout (repeat to compare; default: this one)"
    )
    parser.add_argument("--bytecode", action="store_true", help="cache compiled modules, as an installed app has")
    args = parser.parse_args()
    from tests.e2e.browser import browser, chromium_missing

    reason = chromium_missing()
    if reason:
        sys.exit(f"bench.app_start needs a browser: {reason}")
    with browser() as chromium:
        chromium.new_page().close()  # the browser's own start is not the app's
        roots = args.root or [Path(__file__).resolve().parents[1]]
        figures = app_start(chromium, roots, args.runs, bytecode=args.bytecode)
    before = {k.removesuffix("@0"): v for k, v in figures.items() if k.endswith("_ms@0") and "_samples" not in k}
    met = {key: bool(figures[f"{key}@1"] <= v * TARGET_SHARE) for key, v in before.items() if len(roots) == 2}
    rounded = {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "app_start", **rounded, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
