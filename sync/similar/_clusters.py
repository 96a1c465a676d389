"""高频问题: clusters of similar tickets over a window of days, for the desk dashboard.

Star clustering on the cosine graph (docs/similar.md): tickets are linked where their TF-IDF cosine
is at least a threshold; the ticket with the most links becomes a centre and takes its linked
tickets not yet taken, then the next, until none is left. Each cluster has its size, its count in the
recent and the earlier half of the window (the trend), up to three example tickets (those nearest its
centroid) and its top keywords (the terms of largest summed weight). The output depends only on the
input: ties go to the earlier ticket, then the one given first.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync.similar._index import SimilarIndex
from sync.similar._tokens import Tokenizer, tokenize

THRESHOLD = 0.3
MIN_SIZE = 3


@dataclass(frozen=True)
class Cluster:
    ids: tuple[Hashable, ...]  # every ticket of the cluster, nearest its centroid first
    recent: int  # tickets created in the later half of the window
    earlier: int  # in the earlier half
    keywords: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def examples(self) -> tuple[Hashable, ...]:
        return self.ids[:3]

    @property
    def trend(self) -> int:
        """Recent minus earlier: above 0 the problem is growing."""
        return self.recent - self.earlier


def frequent_problems(
    tickets: Iterable[tuple[Hashable, str, str, datetime]],
    *,
    now: datetime,
    days: int = 30,
    threshold: float = THRESHOLD,
    min_size: int = MIN_SIZE,
    limit: int = 10,
    keywords: int = 5,
    tokenizer: Tokenizer = tokenize,
) -> list[Cluster]:
    """The clusters of at least `min_size` tickets among those (id, title, text, created) created in the
    `days` before `now`, largest first (then the most recent, then the earliest ticket), at most `limit`."""
    start, middle = now - timedelta(days=days), now - timedelta(days=days / 2)
    created: dict[Hashable, datetime] = {}
    index = SimilarIndex(tokenizer)
    for doc_id, title, text, at in tickets:
        if start <= at <= now:
            index.add(doc_id, title, text)
            created[doc_id] = at
    position = {doc_id: n for n, doc_id in enumerate(index)}
    links = {doc_id: index.neighbours(doc_id, threshold) for doc_id in index}
    taken: set[Hashable] = set()
    clusters = []
    for centre in sorted(links, key=lambda d: (-len(links[d]), created[d], position[d])):
        if centre in taken:
            continue
        members = [centre, *(d for d in links[centre] if d not in taken)]
        taken.update(members)
        if len(members) >= min_size:
            clusters.append(_describe(index, members, created, middle, keywords, position))
    clusters.sort(key=lambda c: (-c.size, -c.recent, min(position[d] for d in c.ids)))
    return clusters[:limit]


def _describe(
    index: SimilarIndex,
    members: list[Hashable],
    created: dict[Hashable, datetime],
    middle: datetime,
    keywords: int,
    position: dict[Hashable, int],
) -> Cluster:
    vectors = {doc_id: index.vector(doc_id) for doc_id in members}
    centroid: dict[str, float] = {}
    for vector in vectors.values():
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight

    def closeness(doc_id: Hashable) -> tuple[float, int]:
        dot = sum(weight * centroid[term] for term, weight in vectors[doc_id].items())
        return -round(dot, 9), position[doc_id]

    top = sorted(centroid.items(), key=lambda item: (-round(item[1], 9), item[0]))[:keywords]
    recent = sum(1 for doc_id in members if created[doc_id] >= middle)
    return Cluster(
        ids=tuple(sorted(members, key=closeness)),
        recent=recent,
        earlier=len(members) - recent,
        keywords=tuple(term for term, _ in top),
    )
