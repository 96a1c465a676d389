"""Rendering of the requester's pages: one Jinja2 environment (autoescaped), the two catalogues, and the
choice between them by `Accept-Language` (Chinese unless English is preferred)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_HERE = Path(__file__).resolve().parent
_ENV = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
LOCALES = ("zh-CN", "en")


@cache
def _strings(locale: str) -> dict[str, str]:
    return dict(json.loads((_HERE / "locales" / f"{locale}.json").read_text(encoding="utf-8")))


def locale_of(accept_language: str | None) -> str:
    """The first language of the header this portal speaks, by quality; zh-CN when none."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "zh-CN"


def catalogue(accept_language: str | None) -> dict[str, str]:
    return _strings(locale_of(accept_language))


@dataclass(frozen=True)
class Page:
    t: dict[str, str]
    font: str | None


def render(template: str, page: Page, **values: Any) -> str:
    return _ENV.get_template(template).render(t=page.t, font=page.font, **values)
