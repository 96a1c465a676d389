"""@mentions in comments: what to suggest while typing, and who a finished comment mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"@([^\s@]*)$")
_MENTION = re.compile(r"@([^\s@]+)")


@dataclass(frozen=True)
class Suggestion:
    user_id: str
    name: str
    email: str
    handle: str  # what is written after '@'


def handle_of(person: dict[str, Any]) -> str:
    """The mention handle of a person: the display name without spaces (王伟, LiNa)."""
    return "".join((person.get("display_name") or person.get("email", "").split("@")[0]).split())


def open_mention(text: str) -> str | None:
    """The partial handle being typed at the end of `text` ('@wa' -> 'wa'), or None."""
    match = _TOKEN.search(text)
    return match.group(1) if match else None


def suggest(text: str, people: list[dict[str, Any]], limit: int = 6) -> list[Suggestion]:
    """Members whose name, handle or email starts with (then contains) the partial mention."""
    partial = open_mention(text)
    if partial is None:
        return []
    needle = partial.lower()
    starts, contains = [], []
    for person in people:
        handle = handle_of(person)
        fields = [handle.lower(), (person.get("display_name") or "").lower(), person.get("email", "").lower()]
        suggestion = Suggestion(person["id"], person.get("display_name") or handle, person.get("email", ""), handle)
        if any(f.startswith(needle) for f in fields):
            starts.append(suggestion)
        elif any(needle in f for f in fields):
            contains.append(suggestion)
    return (starts + contains)[:limit]


def complete(text: str, suggestion: Suggestion) -> str:
    """`text` with its partial mention replaced by the chosen handle and a space."""
    return _TOKEN.sub(lambda _m: f"@{suggestion.handle} ", text)


@dataclass(frozen=True)
class Mention:
    """One @mention of a member in a comment: body[start:end] is "@handle"."""

    start: int
    end: int
    user_id: str


def _handles(people: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(casefolded handle, user id), longest first: the space-free display name and, as the protocol
    has it, the local part of the email (a display name wins a tie: @LiNa is Li Na, not lina@)."""
    ranked: dict[tuple[str, str], int] = {}
    for person in people:
        for rank, handle in enumerate((handle_of(person), (person.get("email") or "").split("@")[0])):
            if handle:
                key = (handle.casefold(), person["id"])
                ranked[key] = min(rank, ranked.get(key, rank))
    return sorted(ranked, key=lambda hp: (-len(hp[0]), ranked[hp]))


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def find(body: str, people: list[dict[str, Any]]) -> list[Mention]:
    """Every @mention of one of `people` in `body`, in order.

    An `@` right after a Latin letter or digit is an email address, not a mention. The word after
    `@` ends at whitespace or the next `@` (Chinese text runs mentions together: "@王伟@李娜"), and
    the longest handle it starts with is the one meant (@王伟东 is not @王伟 when 王伟东 is a member;
    "@王伟看一下" is 王伟). A Latin handle must end where the Latin word does (@linah is not @lina).
    """
    handles = _handles(people)
    out: list[Mention] = []
    for match in _MENTION.finditer(body):
        at = match.start()
        if at > 0 and _latin(body[at - 1]):
            continue
        word = match.group(1).casefold()
        for handle, user_id in handles:
            if not word.startswith(handle):
                continue
            rest = word[len(handle) :]
            if rest and _latin(handle[-1]) and _latin(rest[0]):
                continue
            out.append(Mention(at, at + 1 + len(handle), user_id))
            break
    return out


def mentioned_ids(body: str, people: list[dict[str, Any]]) -> list[str]:
    """The ids of the people mentioned as @handle in `body`, in order, once each."""
    return list(dict.fromkeys(m.user_id for m in find(body, people)))


MENTION_LINK = "keel-mention:"  # the link target of a highlighted mention (never followed)
_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.DOTALL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!<>|~])")


def highlight(body: str, people: list[dict[str, Any]]) -> str:
    """The comment's markdown with each mention of a member turned into a link the comment view draws
    in the accent colour (`[@王伟](keel-mention:<id>)`); mentions inside code stay as typed."""
    code = [m.span() for m in _CODE.finditer(body)]
    parts: list[str] = []
    last = 0
    for mention in find(body, people):
        if any(a <= mention.start < b for a, b in code):
            continue
        label = _MARKDOWN_SPECIAL.sub(r"\\\1", body[mention.start : mention.end])
        parts += [body[last : mention.start], f"[{label}]({MENTION_LINK}{mention.user_id})"]
        last = mention.end
    parts.append(body[last:])
    return "".join(parts)
