"""Checks the packaging as far as it goes without Flutter, with flet-cli's own code: `python build/check.py`.

`flet build` fetches a Flutter SDK first, so it cannot run on the development machines or in CI. What
comes before that point can, and tests/build runs these same checks:

- `config_problems`: [tool.flet] has what every platform needs, and every key in it is one that
  flet-cli's build command reads (a misspelt key would be ignored without a word);
- `resolved_problems`: flet's own resolution of that config per target (ids, names, version,
  permissions, Info.plist), by `setup_template_data` of the installed flet-cli;
- `command_problems`: each `flet build` command line in build/README.md, parsed by flet's own parser;
- `patch_problems`: an Android build with flet-notifications documents its post-build patch, and builds
  again after it (the patched project is the one to ship);
- `asset_problems`: the icon and splash sources, rendered for every platform by flet's generator;
- `bundle_problems`: what the bundle holds (every top-level entry is packaged or excluded on purpose,
  `server` and `keel_cli` are left out, and no packaged module imports an excluded one).

Each returns a list of problems, empty when all is well. Written against flet-cli 1.0.5 (pinned).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"

TARGETS = ("linux", "macos", "windows", "apk", "aab", "ipa", "web")
NATIVE_TARGETS = ("linux", "macos", "windows", "apk", "aab", "ipa")
CONFIG_PLATFORMS = ("android", "ios", "macos", "windows", "linux", "web")
REQUIRED_KEYS = ("org", "product", "company", "copyright", "bundle_id", "icon_background", "app.path", "app.module")
# keel_cli is the command line (server, demo, terminal client): the app reaches what it shares through
# keel_local, and a bundle that held keel_cli would carry the server's launcher for nothing.
REQUIRED_EXCLUDES = ("server", "keel_cli", "tests", "bench", "docs")
# What a bundle carries from the app folder (everything else top-level is excluded on purpose).
PACKAGED = ("app", "sync", "keel_local", "assets", "main.py", "pyproject.toml", "README.md")
# Scanned for imports of excluded folders (server, keel_cli, ...): a packaged module importing one would
# fail in the bundle.
PACKAGED_PYTHON = ("app", "sync", "keel_local", "main.py")
ANDROID_PERMISSIONS = (
    "android.permission.INTERNET",
    "android.permission.POST_NOTIFICATIONS",
    "android.permission.SCHEDULE_EXACT_ALARM",  # reminders on the minute (app/reminders/mobile.py)
    "android.permission.RECEIVE_BOOT_COMPLETED",  # scheduled reminders are set again after a reboot
)
# Chosen after reading its source (build/README.md says why); a newer one is read again before a bump.
NOTIFICATIONS = "flet-notifications==0.1.4"
# flet-notifications' receivers and Gradle flags, which [tool.flet.android] cannot express.
PATCH = "flet-notifications-patch --project-root build/flutter"
ICON_MIN = 1024  # the largest icon any platform makes (iOS marketing, macOS)
# Stand-ins for the placeholders of build/README.md's commands (secrets and CI numbers).
SAMPLE_ENV = {
    "BUILD_NUMBER": "1",
    "IOS_TEAM_ID": "ABCDE12345",
    "IOS_PROVISIONING_PROFILE": "Keel App Store",
    "MACOS_SIGNING_IDENTITY": "Developer ID Application: Keel (ABCDE12345)",
    "MACOS_NOTARY_PROFILE": "keel-notary",
}


def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def flet_config() -> dict[str, Any]:
    return dict(pyproject().get("tool", {}).get("flet", {}))


def lookup(table: dict[str, Any], dotted: str) -> Any:
    value: Any = table
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# --- [tool.flet] ------------------------------------------------------------------------------------


def flet_build_keys() -> set[tuple[str, ...]]:
    """The [tool.flet] keys flet-cli's build command reads, from its source: each a tuple of segments,
    where '<platform>' stands for any config platform and '*' for any one segment."""
    import flet_cli.commands.build as build
    import flet_cli.commands.build_base as build_base

    source = inspect.getsource(build_base) + inspect.getsource(build)
    read = {m.group(1) for m in re.finditer(r'get_pyproject\(\s*f?"tool\.flet\.([^"]+)"', source)}
    per_platform = {m.group(1) for m in re.finditer(r'get_platform_setting\(\s*f?"([^"]+)"', source)}
    per_platform |= {m.group(1) for m in re.finditer(r'get_bool_setting\(\s*[^,]+,\s*f?"([^"]+)"', source)}
    read |= per_platform | {"{platform}." + key for key in per_platform}
    patterns = set()
    for key in read:
        key = re.sub(r"\{(self\.config_platform|config_platform|platform)\}", "<platform>", key)
        segments = tuple("*" if s.startswith("{") else s for s in key.split("."))
        if any(s not in ("*", "<platform>") for s in segments):  # `tool.flet.{key}`: a generic reader
            patterns.add(segments)
    return patterns


def _leaf_keys(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for name, value in table.items():
        if isinstance(value, dict) and value:
            keys += _leaf_keys(value, (*prefix, name))
        else:
            keys.append((*prefix, name))
    return keys


def _covers(pattern: tuple[str, ...], key: tuple[str, ...]) -> bool:
    """Whether flet reads `key` through `pattern` (a table read whole covers every key below it)."""
    if len(pattern) > len(key):
        return False
    for want, have in zip(pattern, key, strict=False):
        if want == "<platform>":
            if have not in CONFIG_PLATFORMS:
                return False
        elif want not in ("*", have):
            return False
    return True


def config_problems() -> list[str]:
    config = flet_config()
    if not config:
        return ["pyproject.toml has no [tool.flet]"]
    problems = [f"[tool.flet] lacks {key}" for key in REQUIRED_KEYS if lookup(config, key) in (None, "")]
    known = flet_build_keys()
    problems += [
        f"[tool.flet] {'.'.join(key)} is not a key flet build reads (misspelt?)"
        for key in _leaf_keys(config)
        if not any(_covers(pattern, key) for pattern in known)
    ]
    bundle_id, org = config.get("bundle_id", ""), config.get("org", "")
    if not re.fullmatch(r"[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+", bundle_id) or not bundle_id.startswith(org + "."):
        problems.append(f"bundle_id {bundle_id!r} must be reverse-DNS, lower case, under org {org!r}")
    excluded = lookup(config, "app.exclude") or []
    problems += [f"[tool.flet.app] exclude lacks {name!r}" for name in REQUIRED_EXCLUDES if name not in excluded]
    entry = ROOT / str(lookup(config, "app.path") or ".") / f"{lookup(config, 'app.module') or 'main'}.py"
    if not entry.is_file():
        problems.append(f"the entry point {entry.relative_to(ROOT)} does not exist")
    permissions = lookup(config, "android.permission") or {}
    problems += [
        f"Android permission {p} is not granted" for p in ANDROID_PERMISSIONS if permissions.get(p) is not True
    ]
    for platform in ("android", "ios"):
        pins = lookup(config, f"{platform}.dependencies") or []
        problems += [
            f"[tool.flet.{platform}] dependencies lack {pin} ({why})"
            for pin, why in mobile_extensions().items()
            if pin not in pins
        ]
    version = pyproject().get("project", {}).get("version")
    if not version or "build_version" in config:
        problems.append("the version must come from [project] version alone")
    return problems


def mobile_extensions() -> dict[str, str]:
    """The extensions a phone build compiles in, each pinned (Flet's own at flet's version): why each."""
    import flet

    return {
        f"flet-secure-storage=={flet.__version__}": "tokens",
        NOTIFICATIONS: "reminders while the app is closed",
        f"flet-permission-handler=={flet.__version__}": "the notification question",
    }


# --- flet's own resolution ------------------------------------------------------------------------------


class FletRefused(Exception):
    """flet build stopped (its `cleanup` with a non-zero code) with this message."""


def resolved(target: str, *extra_args: str) -> tuple[dict[str, Any], list[str]]:
    """flet-cli's template data and `flutter build` arguments for `target`, resolved from our pyproject.toml
    by its own code, stopping short of what needs Flutter or the network (the bundled Python's manifest is
    fetched: a stand-in release is used)."""
    from flet_cli.cli import parse_command_line
    from flet_cli.commands.build import Command
    from flet_cli.commands.build_base import console
    from flet_cli.utils.pyproject_toml import load_pyproject_toml
    from flet_cli.utils.python_versions import PythonRelease

    command = Command(argparse.ArgumentParser())

    def refuse(exit_code: int, message: Any = None, no_border: bool = False) -> None:
        raise FletRefused(str(message))

    command.cleanup = refuse  # type: ignore[method-assign]
    command.options = parse_command_line(["build", target, str(ROOT), *extra_args])
    command.target_platform = target
    command.package_platform = command.platforms[target]["package_platform"]
    command.config_platform = command.platforms[target]["config_platform"]
    command.python_app_path = ROOT
    command.build_dir = ROOT / "build"
    command.flutter_dir = ROOT / "build" / "flutter"  # only its name is read here
    command.get_pyproject = load_pyproject_toml(ROOT)
    command.python_release = PythonRelease(
        short="3.12", standalone="3.12.0", pyodide="0.27.0", android_abis=("arm64-v8a", "x86_64"), prerelease=False
    )
    flutter_args: list[str] = []
    with console.capture():  # its notes (an unsigned ipa makes an .xcarchive) are not problems
        command.validate_entry_point()
        command.setup_template_data()
        command.add_flutter_command_args(flutter_args)
    assert command.template_data is not None
    return command.template_data, flutter_args


# flet's template data name <- the [tool.flet] key it must come from
RESOLVED_FROM = {"bundle_id": "bundle_id", "org_name": "org", "product_name": "product", "company_name": "company",
                 "copyright": "copyright"}  # fmt: skip


def resolved_problems() -> list[str]:
    config, version = flet_config(), pyproject()["project"]["version"]
    problems = []
    for target in NATIVE_TARGETS:
        try:
            data, flutter_args = resolved(target, "--build-number", SAMPLE_ENV["BUILD_NUMBER"])
        except FletRefused as exc:
            problems.append(f"flet build {target} refuses the configuration: {exc}")
            continue
        got = {name: data[name] for name in RESOLVED_FROM}
        want = {name: config[key] for name, key in RESOLVED_FROM.items()}
        if got != want:
            problems.append(f"{target}: flet resolves {got}, not {want}")
        if flutter_args[flutter_args.index("--build-name") + 1 :][:1] != [version]:
            problems.append(f"{target}: the version shown is not [project] version {version}: {flutter_args}")
        options = data["options"]
        if target in ("apk", "aab"):
            missing = [p for p in ANDROID_PERMISSIONS if options["android_permissions"].get(p) is not True]
            problems += [f"{target}: the manifest would lack {p}" for p in missing]
        if target == "ipa":
            wanted = lookup(config, "ios.info") or {}
            if {k: options["info_plist"].get(k) for k in wanted} != wanted:
                problems.append(f"ipa: Info.plist resolves to {options['info_plist']}, not {wanted}")
        if data["splash"]["color"] != lookup(config, "splash.color"):
            problems.append(f"{target}: splash colour resolves to {data['splash']['color']}")
    return problems


# --- documented command lines -----------------------------------------------------------------------------


def shell_lines() -> list[str]:
    """The lines of build/README.md's shell blocks, in order, without their comments."""
    lines, in_block = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            lines.append(line.split(" #", 1)[0].strip())
    return lines


def documented_commands() -> list[str]:
    """The `flet build` lines of build/README.md's shell blocks."""
    return [line for line in shell_lines() if re.match(r"(sh )?(scripts/uv run )?flet build ", line)]


def command_problems() -> list[str]:
    from flet_cli.cli import parse_command_line

    problems, seen = [], set()
    for line in documented_commands():
        unknown = set(re.findall(r"\$\{?([A-Z_]+)", line)) - set(SAMPLE_ENV)
        if unknown:
            problems.append(f"{line!r}: no sample value for {sorted(unknown)} in build/check.py")
            continue
        argv = shlex.split(re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: SAMPLE_ENV[m.group(1)], line))
        argv = argv[argv.index("flet") + 1 :]
        try:
            options = parse_command_line(argv)
        except SystemExit as exc:  # argparse's error, already printed to stderr
            problems.append(f"{line!r}: flet's parser rejects it (exit {exc.code})")
            continue
        seen.add(options.target_platform)
        if options.output_dir and not Path(options.output_dir).as_posix().startswith("build/out/"):
            problems.append(f"{line!r}: outputs belong under build/out/ (ignored by git)")
    problems += [f"build/README.md documents no `flet build {t}`" for t in TARGETS if t not in seen]
    return problems


def patch_problems() -> list[str]:
    """With flet-notifications in the Android build, build/README.md runs its patch (at the pinned
    version) on the project `flet build apk|aab` generated, then that build again: the first build
    lacks the receivers that make scheduled reminders go off (and may stop at Gradle for want of
    desugaring); the second builds the patched project, which flet keeps while its template is unchanged."""
    if NOTIFICATIONS not in (lookup(flet_config(), "android.dependencies") or []):
        return []
    lines = shell_lines()
    patches = [i for i, line in enumerate(lines) if PATCH in line]
    problems = [
        f"{lines[i]!r}: patch with the pinned {NOTIFICATIONS}" for i in patches if NOTIFICATIONS not in lines[i]
    ]
    for target in ("apk", "aab"):
        builds = [i for i, line in enumerate(lines) if re.search(rf"flet build {target}( |$)", line)]
        if not any(before < patch < after for patch in patches for before in builds for after in builds):
            problems.append(f"build/README.md: no `flet build {target}`, `{PATCH}`, `flet build {target}` in order")
    return problems


# --- icon and splash --------------------------------------------------------------------------------------


def _sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"keel_build_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reach(image: Any, background: tuple[int, int, int]) -> float:
    """How far the artwork (pixels unlike the background) reaches from the centre, as a fraction of half
    the width; measured on a 256px copy, which is precise to a pixel of that."""
    pixels = image.convert("RGB").resize((256, 256)).tobytes()
    half, farthest = 128.0, 0.0
    for index in range(256 * 256):
        pixel = pixels[3 * index : 3 * index + 3]
        if max(abs(a - b) for a, b in zip(pixel, background, strict=True)) > 48:
            y, x = divmod(index, 256)
            farthest = max(farthest, math.hypot(x + 0.5 - half, y + 0.5 - half))
    return farthest / half


def asset_problems() -> list[str]:
    from flet_platform_assets import (
        IconOptions,
        SplashOptions,
        linux_targets,
        load_source,
        parse_hex_color,
        render_icons,
        render_splash,
        square,
    )
    from PIL import Image

    config, assets = flet_config(), ROOT / "assets"
    icon_path, splash_path = assets / "icon.png", assets / "splash.png"
    problems = [f"assets/{p.name} is missing" for p in (icon_path, splash_path) if not p.is_file()]
    if problems:
        return problems
    background = parse_hex_color(config["icon_background"])
    with Image.open(icon_path) as icon:
        if icon.format != "PNG" or icon.width != icon.height or icon.width < ICON_MIN:
            problems.append(f"assets/icon.png is {icon.format} {icon.size}: needs a square PNG of {ICON_MIN}px or more")
        if icon.mode not in ("RGB", "L"):  # iOS rejects an alpha channel in the App Store icon
            problems.append(f"assets/icon.png has mode {icon.mode}: save it opaque (RGB)")
        reach = _reach(icon, background)
        limit = _sibling("icons").ANDROID_SAFE_REACH
        if reach > limit:
            problems.append(f"the icon's artwork reaches {reach:.2f} of its radius; Android's mask shows {limit:.2f}")
    with Image.open(splash_path) as splash:
        if splash.width != splash.height or splash.width < ICON_MIN or "A" not in splash.getbands():
            problems.append(
                f"assets/splash.png is {splash.mode} {splash.size}: needs square, transparent, {ICON_MIN}px+"
            )

    source, pre_rendered = load_source(icon_path)
    options = IconOptions(background=background, application_id=config["bundle_id"])
    for platform in ("ios", "android", "macos", "windows", "linux", "web"):
        spec = linux_targets(config["bundle_id"]) if platform == "linux" else None
        result = render_icons(source, options, spec, platform=platform, pre_rendered=pre_rendered, derived=True)
        problems += [f"{platform} icon: {w}" for w in result.warnings]
        if platform == "ios":
            problems += [
                f"{a.relative_path} is not opaque"
                for a in result.assets
                if a.image.convert("RGBA").getextrema()[3][0] < 255
            ]
    light = square(load_source(splash_path)[0])[0]
    splash_options = SplashOptions(color=lookup(config, "splash.color"), dark_color=lookup(config, "splash.dark_color"))
    for platform in ("android", "ios", "web"):
        problems += [
            f"{platform} splash: {w}" for w in render_splash(light, None, splash_options, platform=platform).warnings
        ]
    return problems + _web_icon_problems(assets)


def _web_icon_problems(assets: Path) -> list[str]:
    """`keel app --web` serves assets/ ahead of flet-web's files: each icon its pages name must be ours."""
    import flet_web
    from PIL import Image

    web = Path(flet_web.__file__).parent / "web"
    wanted = {"favicon.png": 32, "icons/apple-touch-icon-192.png": 192}
    for entry in json.loads((web / "manifest.json").read_text(encoding="utf-8"))["icons"]:
        wanted[entry["src"]] = int(entry["sizes"].split("x")[0])
    problems = []
    for relative, size in wanted.items():
        path = assets / relative
        if not path.is_file():
            problems.append(f"assets/{relative} is missing (run build/icons.py)")
            continue
        with Image.open(path) as image:
            if image.size != (size, size):
                problems.append(f"assets/{relative} is {image.size}, not {size}x{size}")
    return problems


# --- what a bundle holds ----------------------------------------------------------------------------------


def top_level_entries() -> set[str]:
    """The repository's top-level files and folders (git's view; the folder's in a copy without git)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        ).stdout.split()
        names = {path.split("/", 1)[0] for path in listed}
    except (OSError, subprocess.SubprocessError):
        names = set(os.listdir(ROOT))
    return {n for n in names if not n.startswith(".") and n != "build"} | ({"uv.lock"} & set(os.listdir(ROOT)))


def bundle_problems() -> list[str]:
    excluded = set(lookup(flet_config(), "app.exclude") or [])
    problems = [
        f"{name!r} is neither packaged (build/check.py PACKAGED) nor in [tool.flet.app] exclude: decide"
        for name in sorted(top_level_entries() - set(PACKAGED) - excluded)
    ]
    problems += [f"{name!r} is both packaged and excluded" for name in sorted(excluded & set(PACKAGED))]
    top_packages = {name.removesuffix(".py") for name in excluded}
    for relative in PACKAGED_PYTHON:
        files = [ROOT / relative] if relative.endswith(".py") else sorted((ROOT / relative).rglob("*.py"))
        for path in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                problems += [
                    f"{path.relative_to(ROOT)} imports {name}, which the bundle leaves out"
                    for name in names
                    if name.split(".")[0] in top_packages
                ]
    return problems


def main() -> int:
    checks = [config_problems, resolved_problems, command_problems, patch_problems, asset_problems, bundle_problems]
    failed = 0
    for check in checks:
        problems = check()
        failed += len(problems)
        print(f"{check.__name__.removesuffix('_problems')}: {'ok' if not problems else ''}")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
