"""Every string the app shows, in zh-CN and en.

The catalogues are JSON files, one per area of the app, under `app/i18n/<locale>/`; a locale's
files are merged into one flat key -> text map. Texts use `str.format` fields: t("board.count", n=3).

    from app.i18n import t, set_locale
    set_locale("en")
    t("nav.home")
"""

from __future__ import annotations

import json
import locale as _locale
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALES = ("zh-CN", "en")
DEFAULT = "zh-CN"
_HERE = Path(__file__).parent
_current = DEFAULT
# The app sets this: each window or browser tab has its own language (its Flet session's); None
# from it, or no source, means the process-wide one set by `set_locale`.
_source: Callable[[], str | None] | None = None


@cache
def catalogue(code: str) -> dict[str, str]:
    """The merged key -> text map of one locale."""
    if code not in LOCALES:
        raise ValueError(f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    merged: dict[str, str] = {}
    for path in sorted((_HERE / code).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{code}: key {key!r} is in two catalogue files (the second is {path.name})")
            merged[key] = text
    return merged


def system_locale() -> str:
    """zh-CN when the system speaks any Chinese (or says nothing), en for everything else."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name)
        if value:
            return resolve(value)
    try:
        value = _locale.getlocale()[0]
    except ValueError:
        value = None
    return resolve(value or DEFAULT)


def resolve(tag: str | None) -> str:
    """Maps a locale tag ('zh_CN.UTF-8', 'zh-Hans', 'en-US', 'C', None) to one of LOCALES."""
    if not tag:
        return DEFAULT
    lowered = tag.lower().replace("_", "-")
    if lowered.startswith("zh"):
        return "zh-CN"
    if lowered in ("c", "posix") or lowered.startswith(("c.", "posix.")):
        return DEFAULT
    return "en"


def set_locale(code: str) -> None:
    global _current
    catalogue(code)  # raises for an unknown code
    _current = code


def set_locale_source(source: Callable[[], str | None] | None) -> None:
    """Makes `source()` (when it answers) the locale of every `t` call: the caller's window or tab."""
    global _source
    _source = source


def current_locale() -> str:
    return (_source() if _source is not None else None) or _current


def has(key: str) -> bool:
    return key in catalogue(current_locale())


def t(key: str, /, **fields: object) -> str:
    """The text of `key` in the current locale; a missing key is a bug, shown as the key itself."""
    text = catalogue(current_locale()).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key, key)
    return text.format(**fields) if fields else text
