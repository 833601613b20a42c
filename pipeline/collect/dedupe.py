"""Near-duplicate grouping: the same agency story published by several outlets → one story.

MinHash signatures of word 3-gram shingles, banded LSH (datasketch) to find candidates in linear
time, an estimated-Jaccard check on each candidate pair, and union-find to form groups.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

from datasketch import MinHash, MinHashLSH

from pipeline.grouping import UnionFind

DEFAULT_THRESHOLD = 0.7
NUM_PERM = 64
SHINGLE_WORDS = 3
MAX_WORDS = 400
"""Only the first words of each text are shingled: enough to recognise a story, bounded cost."""
MIN_WORDS = 8
"""Shorter texts (bare titles) are not grouped: too little evidence."""
_WORDS = re.compile(r"\w+", re.UNICODE)


def shingle_text(text: str) -> list[bytes]:
    """Word 3-grams of the lower-cased text, as bytes."""
    words = _WORDS.findall(text.lower())[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return []
    return list({" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
                 for i in range(len(words) - SHINGLE_WORDS + 1)})


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


def group_near_duplicates(
    items: Iterable[tuple[str, str]], *, threshold: float = DEFAULT_THRESHOLD
) -> list[list[str]]:
    """Groups (two or more ids, in input order) of items whose texts are near-duplicates.

    ``items`` are ``(id, text)`` pairs; ids must be unique. Deterministic for the same input.
    """
    template = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_crc32)
    # datasketch 2 wants the hashing scheme named when permutations are shared
    scheme = {"scheme": template.scheme} if hasattr(template, "scheme") else {}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[str, MinHash] = {}
    order: dict[str, int] = {}
    with lsh.insertion_session() as session:
        for key, text in items:
            if key in order:
                raise ValueError(f"duplicate id {key!r}")
            order[key] = len(order)
            shingles = shingle_text(text)
            if not shingles:
                continue
            signature = MinHash(num_perm=NUM_PERM, hashfunc=_crc32,
                                permutations=template.permutations, **scheme)
            signature.update_batch(shingles)
            signatures[key] = signature
            session.insert(key, signature)
    groups: UnionFind[str] = UnionFind(signatures)
    for key, signature in signatures.items():
        for other in lsh.query(signature):
            if other != key and signature.jaccard(signatures[other]) >= threshold:
                groups.union(key, other)
    result = [sorted(group, key=order.__getitem__) for group in groups.groups()
              if len(group) > 1]
    return sorted(result, key=lambda group: order[group[0]])
