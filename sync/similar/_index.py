"""TF-IDF vectors of a desk's tickets and their cosine similarity, through an inverted index.

A ticket's terms are its title's (counted twice: a title names the problem) and its description's.
Weights: sublinear term frequency 1 + ln(tf) times the smoothed idf ln((1 + N) / (1 + df)) + 1, N the
tickets indexed and df those holding the term; similarity: the cosine of two such vectors. A query
walks only the postings of its own terms, so its cost grows with how many tickets share its words,
not with the desk. docs/similar.md has the method and its figures.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from typing import cast

from sync.similar._tokens import Tokenizer, tokenize

TITLE_WEIGHT = 2


def idf(n_docs: int, df: int) -> float:
    return math.log((1 + n_docs) / (1 + df)) + 1.0


class SimilarIndex:
    """Open tickets by id; `similar(text)` ranks them by cosine similarity to `text`.

    Adding or removing a ticket is cheap (its postings only); the vector norms, which depend on
    every idf, are worked out again on the next query after such a change.
    """

    def __init__(self, tokenizer: Tokenizer = tokenize) -> None:
        self._tokenize = tokenizer
        self._tf: dict[Hashable, dict[str, float]] = {}  # id -> term -> 1 + ln(tf)
        self._postings: dict[str, dict[Hashable, float]] = {}  # term -> id -> 1 + ln(tf)
        self._order: dict[Hashable, int] = {}  # id -> insertion number, to break ties
        self._added = 0
        self._norms: dict[Hashable, float] | None = None

    @classmethod
    def build(cls, docs: Iterable[tuple[Hashable, str, str]], tokenizer: Tokenizer = tokenize) -> SimilarIndex:
        index = cls(tokenizer)
        for doc_id, title, text in docs:
            index.add(doc_id, title, text)
        return index

    def __len__(self) -> int:
        return len(self._tf)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._tf

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._tf)

    def terms(self, title: str, text: str = "") -> Counter[str]:
        counts = Counter(self._tokenize(text))
        for term in self._tokenize(title):
            counts[term] += TITLE_WEIGHT
        return counts

    def add(self, doc_id: Hashable, title: str, text: str = "") -> None:
        """Index a ticket (again, if its id is already there: an edited ticket)."""
        if doc_id in self._tf:
            self.remove(doc_id)
        weights = {term: 1.0 + math.log(count) for term, count in self.terms(title, text).items()}
        self._tf[doc_id] = weights
        self._order[doc_id] = self._added
        self._added += 1
        for term, weight in weights.items():
            self._postings.setdefault(term, {})[doc_id] = weight
        self._norms = None

    def remove(self, doc_id: Hashable) -> None:
        """Forget a ticket (closed, merged or deleted); an unknown id is ignored."""
        weights = self._tf.pop(doc_id, None)
        if weights is None:
            return
        del self._order[doc_id]
        for term in weights:
            posting = self._postings[term]
            del posting[doc_id]
            if not posting:
                del self._postings[term]
        self._norms = None

    def idf(self, term: str) -> float:
        return idf(len(self._tf), len(self._postings.get(term, ())))

    def _doc_norms(self) -> dict[Hashable, float]:
        if self._norms is None:
            n = len(self._tf)
            idfs = {term: idf(n, len(posting)) for term, posting in self._postings.items()}
            self._norms = {
                doc_id: math.sqrt(sum((w * idfs[t]) ** 2 for t, w in weights.items())) or 1.0
                for doc_id, weights in self._tf.items()
            }
        return self._norms

    def vector(self, doc_id: Hashable) -> dict[str, float]:
        """The unit TF-IDF vector of an indexed ticket."""
        norm = self._doc_norms()[doc_id]
        return {term: w * self.idf(term) / norm for term, w in self._tf[doc_id].items()}

    def _scores(self, weights: dict[str, float]) -> dict[Hashable, float]:
        """Cosine similarity of a query, given as term -> 1 + ln(tf), to every ticket sharing a term."""
        if not weights or not self._tf:
            return {}
        norms = self._doc_norms()
        query = {term: w * self.idf(term) for term, w in weights.items()}
        query_norm = math.sqrt(sum(v * v for v in query.values()))
        scores: dict[Hashable, float] = {}
        for term, q in query.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            factor = q * self.idf(term) / query_norm
            for doc_id, w in posting.items():
                scores[doc_id] = scores.get(doc_id, 0.0) + factor * w
        return {doc_id: score / norms[doc_id] for doc_id, score in scores.items()}

    def _ranked(
        self, scores: dict[Hashable, float], k: int, exclude: Iterable[Hashable]
    ) -> list[tuple[Hashable, float]]:
        for doc_id in exclude:
            scores.pop(doc_id, None)
        order = self._order
        best = heapq.nsmallest(k, scores.items(), key=lambda item: (-item[1], order[item[0]]))
        return [(doc_id, round(score, 6)) for doc_id, score in best]

    def similar(
        self, text: str, k: int = 3, exclude: Hashable | Iterable[Hashable] | None = None, min_score: float = 0.0
    ) -> list[tuple[Hashable, float]]:
        """The `k` tickets most similar to `text` (say, a title and description as typed), best first,
        with their cosine similarity in (0, 1]; `exclude` leaves out a ticket (or several: a list or
        set), typically the one being viewed. Ties go to the ticket indexed first."""
        weights = {term: 1.0 + math.log(count) for term, count in Counter(self._tokenize(text)).items()}
        scores = {doc_id: s for doc_id, s in self._scores(weights).items() if s > min_score}
        return self._ranked(scores, k, _ids(exclude))

    def similar_to(self, doc_id: Hashable, k: int = 3, min_score: float = 0.0) -> list[tuple[Hashable, float]]:
        """The `k` tickets most similar to an indexed one, without itself."""
        scores = {d: s for d, s in self._scores(self._tf[doc_id]).items() if s > min_score}
        return self._ranked(scores, k, (doc_id,))

    def neighbours(self, doc_id: Hashable, threshold: float) -> dict[Hashable, float]:
        """Every other ticket whose similarity to an indexed one is at least `threshold`."""
        scores = self._scores(self._tf[doc_id])
        return {d: s for d, s in scores.items() if s >= threshold and d != doc_id}


def _ids(exclude: Hashable | Iterable[Hashable] | None) -> Iterable[Hashable]:
    if exclude is None:
        return ()
    if isinstance(exclude, list | tuple | set | frozenset):
        return exclude
    return (cast(Hashable, exclude),)
