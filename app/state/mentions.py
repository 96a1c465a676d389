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


def mentioned_ids(body: str, people: list[dict[str, Any]]) -> list[str]:
    """The ids of the people whose handle appears as @handle in `body`, in order, once each."""
    out: list[str] = []
    by_handle = sorted(((h, p["id"]) for p in people if (h := handle_of(p))), key=lambda hp: -len(hp[0]))
    # A word ends at the next '@' too: Chinese text runs mentions together ("@王伟@李娜").
    for match in _MENTION.finditer(body):
        word = match.group(1)
        # The longest handle the word starts with is the one meant (@王伟东 is not @王伟), even when
        # that person was mentioned before.
        user_id = next((uid for handle, uid in by_handle if word.startswith(handle)), None)
        if user_id is not None and user_id not in out:
            out.append(user_id)
    return out
