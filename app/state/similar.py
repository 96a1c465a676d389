"""Similar open tickets of a desk, for the ticket detail and the feedback form: the desk's open
tickets as `sync.similar` documents, one index per desk built off the UI thread (jieba's
dictionary loads there too), and the three best matches of a text.

A `SimilarIndex` is not thread-safe: it is built on a worker thread and then only read on the
session's loop. An index is kept per desk for as long as its open tickets are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sync.similar import SimilarIndex, preload, set_cache_dir
from sync.store.families.desk import TicketView

Docs = tuple[tuple[str, str, str], ...]
MIN_SCORE = 0.12  # below it two tickets share a common word, not a problem
_built: dict[Docs, SimilarIndex] = {}


@dataclass(frozen=True)
class Match:
    id: str
    key: str
    title: str
    score: float


def open_docs(views: Iterable[TicketView]) -> Docs:
    """(id, title, description) of the desk's open tickets (not done, not merged), in a stable order."""
    docs = [
        (v.task["id"], v.task.get("title") or "", v.task.get("description") or "")
        for v in views
        if not v.done and not v.ticket.get("merged_into_id")
    ]
    return tuple(sorted(docs))


def use_dictionary_cache(data_dir: Path) -> None:
    """jieba's dictionary cache goes in the app's data directory (kept between launches on a phone)."""
    set_cache_dir(data_dir)


def _build(docs: Docs) -> SimilarIndex:
    preload()
    return SimilarIndex.build(docs)


async def index_of(docs: Docs) -> SimilarIndex:
    """The index of these documents: built on a worker thread the first time, then kept (one per desk state)."""
    found = _built.get(docs)
    if found is None:
        found = await asyncio.to_thread(_build, docs)
        if len(_built) > 8:
            _built.clear()
        _built[docs] = found
    return found


def labels(views: Iterable[TicketView]) -> dict[str, tuple[str, str]]:
    """Ticket id -> (key, title), to name the matches."""
    return {v.task["id"]: (v.task.get("key") or "", v.task.get("title") or "") for v in views}


def best(
    index: SimilarIndex | None, names: dict[str, tuple[str, str]], text: str, exclude: str | None, k: int = 3
) -> list[Match]:
    """The `k` open tickets most similar to `text`, best first (none while the index is being built)."""
    if index is None or not text.strip():
        return []
    found = index.similar(text, k=k, exclude=exclude, min_score=MIN_SCORE)
    return [Match(str(i), *names.get(str(i), ("", "")), score) for i, score in found]
