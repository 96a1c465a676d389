"""Ticket text to index terms: jieba's segmentation, then normalisation, stop words and synonyms.

jieba loads its 350,000-word dictionary once per process (about 1-3 s and 90 MB on this machine,
from its cache file after the first run), so it is loaded on the first use, not at import.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync.similar._words import DOMAIN_WORDS, STOP_WORDS, SYNONYMS

Tokenizer = Callable[[str], list[str]]

_lock = threading.Lock()
_jieba: Any = None
_cache_dir: Path | None = None


def set_cache_dir(path: Path | str) -> None:
    """Where jieba keeps its prefix-dictionary cache (default: the system's temporary directory).
    The app gives its data directory, which a phone keeps between launches. Call before first use."""
    global _cache_dir
    _cache_dir = Path(path)


def _segmenter() -> Any:
    global _jieba
    if _jieba is not None:
        return _jieba
    with _lock:
        if _jieba is None:
            # jieba 0.42.1's regular expressions hold escapes like "\." that Python 3.11 warns about
            # (3.12: SyntaxWarning) when it compiles them; they are harmless, and under a warnings
            # filter of "error" (the tests') they would fail the import.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", SyntaxWarning)
                import jieba
            jieba.setLogLevel(logging.WARNING)  # else it prints "Building prefix dict ..." to stderr
            segmenter = jieba.Tokenizer()
            if _cache_dir is not None:
                segmenter.tmp_dir = str(_cache_dir)
            segmenter.initialize()
            for word in DOMAIN_WORDS:
                segmenter.add_word(word)
            _jieba = segmenter
    return _jieba


def preload() -> None:
    """Load the dictionary now (e.g. on a background thread when the desk opens) rather than on the
    first query."""
    _segmenter()


def _singular(word: str) -> str:
    """English plurals and third persons to their stem (crashes -> crash, notifications -> notification):
    enough for short feedback, where a full stemmer would cost more than it finds."""
    if not word.isascii() or not word.isalpha() or len(word) < 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("shes", "ches", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _meaningful(token: str) -> bool:
    # A letter, a digit or a Han character: drops punctuation, whitespace, emoji and symbols.
    return any(ch.isalnum() for ch in token)


def tokenize(text: str, *, synonyms: bool = True) -> list[str]:
    """The index terms of `text`, in order: NFKC-normalised (full-width letters and digits become
    ASCII) and lower-cased, segmented by jieba (Han words; Latin words and numbers such as "ios" or
    "18.2" whole), without stop words, punctuation and emoji, English plurals made singular, and
    synonyms mapped to one word."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    if not text.strip():
        return []
    terms = []
    for raw in _segmenter().cut(text, HMM=True):
        token = raw.strip()
        if not token or token in STOP_WORDS or not _meaningful(token):
            continue
        token = _singular(token)
        terms.append(SYNONYMS.get(token, token) if synonyms else token)
    return terms


def tokenize_plain(text: str) -> list[str]:
    """`tokenize` without the synonym table: the baseline docs/similar.md reports beside it."""
    return tokenize(text, synonyms=False)
