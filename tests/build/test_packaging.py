"""Packaging, as far as it can be checked without Flutter (build/check.py does the checking, with flet-cli's
own code), the bundle's entry point, and the app running with only the app's dependencies installed."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
# The server's own dependencies: nothing the app depends on pulls them in.
SERVER_ONLY = ("argon2-cffi", "pyjwt", "alembic", "psycopg")


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def check() -> ModuleType:
    return load("keel_build_check", ROOT / "build" / "check.py")


# --- configuration, commands, assets, bundle --------------------------------------------------------


def test_tool_flet_has_every_required_key_and_only_keys_flet_reads(check: ModuleType) -> None:
    assert check.config_problems() == []


def test_flet_resolves_the_configuration_for_every_target(check: ModuleType) -> None:
    assert check.resolved_problems() == []
    apk, _ = check.resolved("apk")
    assert apk["bundle_id"] == "dev.keel.app" and apk["product_name"] == "Keel"
    for permission in ("POST_NOTIFICATIONS", "SCHEDULE_EXACT_ALARM", "RECEIVE_BOOT_COMPLETED"):
        assert apk["options"]["android_permissions"][f"android.permission.{permission}"] is True
    ipa, flutter_args = check.resolved("ipa")
    assert "NSLocalNetworkUsageDescription" in ipa["options"]["info_plist"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert flutter_args[flutter_args.index("--build-name") + 1] == version


def test_documented_build_commands_parse_with_flets_own_parser(check: ModuleType) -> None:
    assert len(check.documented_commands()) >= len(check.TARGETS)
    assert check.command_problems() == []


def test_an_option_flet_does_not_know_fails_the_check(
    check: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("```sh\nsh scripts/uv run flet build apk --no-such-option --yes\n```\n", encoding="utf-8")
    monkeypatch.setattr(check, "README", readme)
    problems = check.command_problems()
    assert any("rejects" in p and "--no-such-option" in p for p in problems)
    assert any("documents no `flet build ipa`" in p for p in problems)


def test_a_misspelt_key_fails_the_check(check: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    config = check.flet_config()
    config["android"] = {**config["android"], "permissions": {"android.permission.CAMERA": True}}
    monkeypatch.setattr(check, "flet_config", lambda: config)
    assert check.config_problems() == [
        "[tool.flet] android.permissions.android.permission.CAMERA is not a key flet build reads (misspelt?)"
    ]


def test_phone_builds_compile_in_the_notification_extensions_at_their_pins(
    check: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = check.flet_config()
    for platform in ("android", "ios"):
        assert "flet-notifications==0.1.4" in config[platform]["dependencies"]
        assert "flet-permission-handler==1.0.5" in config[platform]["dependencies"]
    config["ios"] = {**config["ios"], "dependencies": ["flet-secure-storage==1.0.5", "flet-notifications==0.1.3"]}
    monkeypatch.setattr(check, "flet_config", lambda: config)
    assert check.config_problems() == [
        "[tool.flet.ios] dependencies lack flet-notifications==0.1.4 (reminders while the app is closed)",
        "[tool.flet.ios] dependencies lack flet-permission-handler==1.0.5 (the notification question)",
    ]


def test_the_android_build_is_patched_for_flet_notifications_then_built_again(
    check: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check.patch_problems() == []
    build = 'sh scripts/uv run flet build {} -o build/out/{} --build-number "$BUILD_NUMBER" --yes'
    patch = "sh scripts/uv run --with flet-notifications==0.1.4 flet-notifications-patch --project-root build/flutter"
    readme = tmp_path / "README.md"
    readme.write_text(
        "\n".join(["```sh", build.format("apk", "apk"), patch, build.format("aab", "aab"), "```"]),
        encoding="utf-8",
    )
    monkeypatch.setattr(check, "README", readme)
    assert check.patch_problems() == [  # the patched project is never built
        "build/README.md: no `flet build apk`, `flet-notifications-patch --project-root build/flutter`, "
        "`flet build apk` in order",
        "build/README.md: no `flet build aab`, `flet-notifications-patch --project-root build/flutter`, "
        "`flet build aab` in order",
    ]


def test_icon_and_splash_render_for_every_platform_without_a_warning(check: ModuleType) -> None:
    assert check.asset_problems() == []


def test_the_bundle_holds_the_app_and_leaves_out_server_tests_bench_docs(check: ModuleType) -> None:
    assert check.bundle_problems() == []
    excluded = check.lookup(check.flet_config(), "app.exclude")
    assert {"server", "tests", "bench", "docs"} <= set(excluded)
    assert "keel_cli" in excluded and "keel_cli" not in check.PACKAGED  # the app needs no command line


# --- the bundle's entry point -----------------------------------------------------------------------


@pytest.fixture
def entry(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, list[dict[str, Any]]]]:
    import flet

    import app.main

    calls: list[dict[str, Any]] = []

    def keel_app(**kw: Any) -> int:
        calls.append({"keel_app": kw})
        return 0

    monkeypatch.setattr(flet, "run", lambda main, **kw: calls.append({"main": main, **kw}))
    monkeypatch.setattr(app.main, "run", keel_app)
    monkeypatch.setattr(app.main, "desktop_unavailable", lambda: pytest.fail("a built app has its client"))
    yield load("keel_main_entry", ROOT / "main.py"), calls


def test_a_built_app_runs_on_its_embedded_client(
    entry: tuple[ModuleType, list[dict[str, Any]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, calls = entry
    monkeypatch.setenv("FLET_PLATFORM", "android")
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path))
    assert module.main() == 0
    [call] = calls
    assert call["main"].__self__.data_dir == tmp_path / "client"
    assert call["assets_dir"] == str(ROOT / "assets")
    assert "view" not in call  # the embedding runtime decides


def test_run_by_hand_it_is_keel_app(
    entry: tuple[ModuleType, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, calls = entry
    monkeypatch.delenv("FLET_PLATFORM", raising=False)
    assert module.main() == 0
    assert calls == [{"keel_app": {}}]


# --- the app without the server's dependencies ----------------------------------------------------------


def uv(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return subprocess.run(
        ["sh", str(ROOT / "scripts" / "uv"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=check,
    )  # fmt: skip


def in_venv(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([str(python), "-c", code], env=env, capture_output=True, text=True, timeout=120)


def app_only_venv(where: Path) -> Path:
    """A virtual environment holding the app's dependencies ([project] dependencies) at the lock's pins,
    and nothing of the `server` group: from uv's cache when it can, else from the registry."""
    try:
        if uv("--version", timeout=120, check=False).returncode != 0:
            missing("uv is not available (sh scripts/uv could not run or install it)")
    except (OSError, subprocess.TimeoutExpired) as exc:
        missing(f"uv is not available: {exc}")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = where / "app-requirements.txt"
    requirements.write_text("\n".join(pyproject["project"]["dependencies"]) + "\n", encoding="utf-8")
    venv = where / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    install = ["pip", "install", "--quiet", "--python", str(python), "-r", str(requirements)]
    install += ["--constraint", str(ROOT / "requirements" / "lock.txt")]
    if uv(*install, "--offline", check=False).returncode != 0:  # something is not in the cache yet
        done = uv(*install, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_app_imports_and_serves_without_the_servers_dependencies(tmp_path: Path) -> None:
    python = app_only_venv(tmp_path)

    installed = in_venv(
        python,
        "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'].lower() for d in m.distributions()))",
    )
    assert installed.returncode == 0, installed.stderr
    names = set(installed.stdout.split())
    assert not names & set(SERVER_ONLY), f"server-only packages in the app's environment: {names & set(SERVER_ONLY)}"
    assert {"flet", "httpx", "keyring", "sqlmodel"} <= names

    imported = in_venv(python, "import app.main, app.core, app.tokens, sync.engine, keel_cli")
    assert imported.returncode == 0, imported.stderr
    server = in_venv(python, "import server.app")
    assert server.returncode != 0 and "ModuleNotFoundError" in server.stderr  # the venv really lacks the server

    port, log = free_port(), tmp_path / "app.log"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env |= {"PYTHONPATH": str(ROOT), "FLET_FORCE_WEB_SERVER": "true", "HOME": str(tmp_path / "home")}
    command = [str(python), "-m", "keel_cli", "app", "--web", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/", process, log, timeout=90)
        assert "flutter_bootstrap.js" in page.text
        favicon = httpx.get(f"http://127.0.0.1:{port}/favicon.png", timeout=10)
        assert favicon.content == (ROOT / "assets" / "favicon.png").read_bytes()  # Keel's mark, not Flet's
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_for_page(url: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"keel app exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"no HTTP 200 at {url} within {timeout:.0f} s:\n{log.read_text(errors='replace')}")
