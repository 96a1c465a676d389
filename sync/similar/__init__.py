"""Similar tickets and clusters of frequent problems (高频问题), computed on the device from the cache,
so they work offline on a phone. docs/similar.md has the method, its measured recall and speed."""

from sync.similar._clusters import Cluster, frequent_problems
from sync.similar._index import SimilarIndex
from sync.similar._tokens import Tokenizer, preload, set_cache_dir, tokenize, tokenize_plain

__all__ = [
    "Cluster",
    "SimilarIndex",
    "Tokenizer",
    "frequent_problems",
    "preload",
    "set_cache_dir",
    "tokenize",
    "tokenize_plain",
]
