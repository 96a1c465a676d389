"""The catalogues: both locales say the same things with the same fields, and every key the code uses exists."""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

import app.i18n as i18n
from app.i18n import LOCALES, catalogue, current_locale, resolve, set_locale, t
from app.state.board import DUE_CHOICES, PRIORITIES
from app.state.detail import EDIT_ROLES
from app.state.home import GROUPS

APP = Path(i18n.__file__).resolve().parent.parent
# t("key"), t('key'), has("key") and the catalogue keys FieldError carries; t(f"prefix.{...}").
LITERAL = re.compile(r"""\b(?:t|has|FieldError)\(\s*(["'])([A-Za-z0-9_.]+)\1""")
PREFIXED = re.compile(r"""\bt\(\s*f(["'])([A-Za-z0-9_.]*)\{""")


@pytest.fixture(autouse=True)
def keep_locale() -> Iterator[None]:
    previous = current_locale()
    yield
    set_locale(previous)


def sources() -> list[Path]:
    files = sorted(path for path in APP.rglob("*.py") if "i18n" not in path.parts)
    assert len(files) > 10
    return files


def uses(pattern: re.Pattern[str]) -> dict[str, list[str]]:
    """key (or prefix) -> where it is used."""
    found: dict[str, list[str]] = {}
    for path in sources():
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match[2], []).append(str(path.relative_to(APP)))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_locales_have_the_same_keys_and_fields() -> None:
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert sorted(set(zh) - set(en)) == [] and sorted(set(en) - set(zh)) == []
    assert len(zh) > 100
    differing = {key: (fields(zh[key]), fields(en[key])) for key in zh if fields(zh[key]) != fields(en[key])}
    assert differing == {}


def test_each_area_has_a_file_in_each_locale() -> None:
    folders = {code: sorted(p.name for p in (Path(i18n.__file__).parent / code).glob("*.json")) for code in LOCALES}
    assert folders["zh-CN"] == folders["en"] and folders["en"]
    for code in LOCALES:
        for name in folders[code]:
            data = json.loads((Path(i18n.__file__).parent / code / name).read_text(encoding="utf-8"))
            assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values()), (code, name)


@pytest.mark.parametrize("code", LOCALES)
def test_no_text_is_empty_and_every_text_formats(code: str) -> None:
    for key, text in catalogue(code).items():
        assert text.strip(), f"{code}: {key} is empty"
        sample = dict.fromkeys(fields(text), 1)
        text.format(**sample)  # a stray brace or a bad format spec fails here


def test_every_literal_key_in_the_code_exists() -> None:
    used = uses(LITERAL)
    assert "nav.home" in used and "detail.error.title_empty" in used  # the scan finds what it should
    missing = {key: where for key, where in used.items() if key not in catalogue("zh-CN")}
    assert missing == {}


def test_every_key_prefix_in_the_code_has_keys() -> None:
    prefixes = uses(PREFIXED)
    assert "priority." in prefixes and "home.group." in prefixes
    keys = catalogue("zh-CN")
    missing = {prefix: where for prefix, where in prefixes.items() if not any(k.startswith(prefix) for k in keys)}
    assert missing == {}


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("priority.", PRIORITIES),
        ("filter.due.", DUE_CHOICES),
        ("home.group.", GROUPS),
        ("role.", (*EDIT_ROLES, "viewer")),
        ("activity.", ("created", "updated", "commented", "assigned", "status_changed", "due_soon", "overdue")),
        # The status bar says "syncing" for "bootstrapping" (app.ui.sync_status.status_text).
        ("sync.", ("signed_out", "syncing", "online", "offline", "ended")),
    ],
)
def test_every_value_a_prefixed_key_takes_has_a_text(prefix: str, names: tuple[str, ...]) -> None:
    for code in LOCALES:
        assert [n for n in names if prefix + n not in catalogue(code)] == [], code


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh_CN.UTF-8", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh_TW", "zh-CN"),  # any Chinese: the only Chinese catalogue
        ("zh", "zh-CN"),
        ("en_US.UTF-8", "en"),
        ("en-GB", "en"),
        ("de_DE", "en"),
        ("C", "zh-CN"),  # says nothing: Chinese first
        ("C.UTF-8", "zh-CN"),
        ("POSIX", "zh-CN"),
        ("", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_resolve(tag: str | None, expected: str) -> None:
    assert resolve(tag) == expected


def test_system_locale_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.system_locale() == "en"
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")  # LC_ALL wins over LANG
    assert i18n.system_locale() == "zh-CN"


def test_t_formats_fields_and_follows_the_locale() -> None:
    set_locale("zh-CN")
    assert t("due.overdue_days", n=3) == "逾期 3 天"
    assert t("date.month_day", month=11, day=30) == "11月30日"
    set_locale("en")
    assert current_locale() == "en"
    assert t("due.overdue_days", n=3) == "3d overdue"
    assert t("date.year_month_day", year=2026, month=1, day=9) == "2026-01-09"
    assert t("no.such.key") == "no.such.key"  # a bug, shown as the key rather than crashing the screen
    with pytest.raises(ValueError, match="unknown locale"):
        set_locale("fr")
    assert current_locale() == "en"


def literal_calls() -> Iterator[tuple[str, str, set[str] | None]]:
    """(where, key, keyword names) of every t("literal", ...) call; None for names when it passes **kwargs."""
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                continue
            names = {k.arg for k in node.keywords if k.arg is not None}
            spread = any(k.arg is None for k in node.keywords)
            yield f"{path.relative_to(APP)}:{node.lineno}", node.args[0].value, None if spread else names


def test_every_call_passes_the_fields_its_text_needs() -> None:
    # A text formatted without one of its fields raises KeyError and takes the screen down with it;
    # a field the text does not use is a value the person never sees.
    calls = list(literal_calls())
    assert len(calls) > 50
    wrong = {}
    for where, key, names in calls:
        if names is None or key not in catalogue("zh-CN"):
            continue  # **kwargs cannot be checked here; a missing key fails the test above
        for code in LOCALES:
            if fields(catalogue(code)[key]) != names:
                wrong[f"{where} {code}"] = (key, sorted(fields(catalogue(code)[key])), sorted(names))
    assert wrong == {}
