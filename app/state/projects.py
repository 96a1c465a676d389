"""A new project: the key suggested from its name (pinyin initials for Chinese), and the checks the
form makes offline against the cache before `project.create` is queued.

The key rule is the protocol's (`sync.protocol.KEY_RE`: 2-10 capitals, unique). The cache knows
only my projects, so a key it accepts may still be taken on the server: that rejection
(`key_taken`) comes back through the outbox and the project settings' error list.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import get_args

from sync.protocol import KEY_RE, MAX_DESCRIPTION, MAX_NAME, ProjectKind
from sync.store import Rejection, Store

KINDS: tuple[str, ...] = get_args(ProjectKind)  # the protocol's order: the first is the default
KEY_MIN, KEY_MAX = 2, 10
_SUGGESTED_MAX = 6  # a suggestion stays short enough to read in a card's key (CPDD-12)
FALLBACK_KEY = "PRJ"
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _initials(han: str) -> str:
    """Pinyin initials of a run of Chinese characters (产品迭代 -> CPDD, 重庆 -> CQ); the whole run
    goes to pypinyin at once, so a character read differently in a phrase gets its phrase reading."""
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # a bundle without the dictionary: no letters from Chinese, the fallback decides
        return ""
    return "".join(p[:1] for p in lazy_pinyin(han, style=Style.FIRST_LETTER) if p[:1].isascii()).upper()


def _ascii_letters(text: str) -> str:
    """Latin letters with their accents dropped (Café -> Cafe); other scripts stay as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def key_base(name: str) -> str:
    """The letters a key is made of, before uniqueness: pinyin initials of Chinese, the initial of
    each Latin word (an all-capitals word, an acronym like APP, whole), or the first letters of a
    single Latin word (Marketing -> MARK)."""
    runs = _RUNS.findall(_ascii_letters(name))
    words = [r for r in runs if not _HAN.match(r)]
    if len(runs) == 1 and words:
        word = words[0]
        base = word.upper() if word.isupper() and len(word) <= _SUGGESTED_MAX else word[:4].upper()
    else:
        parts = []
        for run in runs:
            if _HAN.match(run):
                parts.append(_initials(run))
            elif run.isupper() and len(run) >= KEY_MIN:
                parts.append(run)
            else:
                parts.append(run[0].upper())
        base = "".join(parts)
    base = base[:_SUGGESTED_MAX]
    return base if len(base) >= KEY_MIN else FALLBACK_KEY


def suggest_key(name: str, taken: Collection[str]) -> str:
    """A key for `name` that no project in `taken` has: the base, else the base plus a letter
    (CPDDA, CPDDB, …), else plus two."""
    base = key_base(name)
    if base not in taken:
        return base
    letters = string.ascii_uppercase
    for suffix in [*letters, *(a + b for a in letters for b in letters)]:
        candidate = base[: KEY_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    return base  # 700 projects starting alike: the check below says it is taken


def normalise_key(typed: str) -> str:
    """What the key field holds after a keystroke: capitals, Latin letters only."""
    return "".join(c for c in _ascii_letters(typed).upper() if c in string.ascii_uppercase)[:KEY_MAX]


def key_problem(key: str, taken: Collection[str]) -> str | None:
    """'empty', 'format' (not 2-10 capitals) or 'taken' (a project in the cache has it), else None."""
    if not key:
        return "empty"
    if not KEY_RE.match(key):
        return "format"
    if key in taken:
        return "taken"
    return None


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "empty"
    if len(name) > MAX_NAME:
        return "too_long"
    return None


def taken_keys(store: Store) -> set[str]:
    """Every key in the cache (archived projects too: keys are unique across all projects)."""
    return {str(p["key"]) for p in store.projects()}


@dataclass(frozen=True)
class NewProject:
    """The new-project form. The key follows the name until the person types a key of their own."""

    name: str = ""
    key: str = ""
    key_typed: bool = False
    kind: str = KINDS[0]
    description: str = ""
    tried: bool = False  # Create was pressed once: from now on every problem shows

    def with_name(self, name: str, taken: Collection[str]) -> NewProject:
        key = self.key if self.key_typed else (suggest_key(name, taken) if name.strip() else "")
        return replace(self, name=name, key=key)

    def with_key(self, typed: str) -> NewProject:
        key = normalise_key(typed)
        return replace(self, key=key, key_typed=bool(key))

    def problems(self, taken: Collection[str]) -> dict[str, str]:
        """field -> problem code, for the fields that have one."""
        out = {}
        if (problem := name_problem(self.name)) is not None:
            out["name"] = problem
        if (problem := key_problem(self.key, taken)) is not None:
            out["key"] = problem
        if self.kind not in KINDS:
            out["kind"] = "format"
        if len(self.description) > MAX_DESCRIPTION:
            out["description"] = "too_long"
        return out

    def create(self, store: Store) -> str | None:
        """Queues `project.create` (works offline) and returns the new project's id; None, changing
        nothing, while the form has a problem."""
        if self.problems(taken_keys(store)):
            return None
        return store.create_project(self.name.strip(), self.key, kind=self.kind, description=self.description.strip())


def refused_creations(store: Store) -> list[Rejection]:
    """New projects the server did not create (a key another project has), not yet dismissed."""
    return [r for r in store.rejections() if r.name == "project.create"]


def retry_form(refused: Rejection, store: Store) -> NewProject:
    """The form again with what was typed, and a key suggested anew (never the refused one)."""
    args = refused.args
    kind = args.get("kind") if args.get("kind") in KINDS else KINDS[0]
    form = NewProject(kind=str(kind), description=str(args.get("description") or ""))
    return form.with_name(str(args.get("name") or ""), taken_keys(store) | {str(args.get("key") or "")})
