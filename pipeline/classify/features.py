"""Features of the relevance model: named, hashed, explainable.

An item becomes a small dictionary ``feature name → value``: word stems of the title (``t:``) and
of the whole text (``w:``), stem bigrams (``b:``), character 4-grams of the title (``c:``), the
feed's own categories (``k:``, also added as text), the source's relevance setting (``s:``) and
the rules' own figures (``r:``: relevance score, theme scores). Names are hashed into a fixed
space (CRC-32, stable across processes and machines) so the trained model is one weight vector;
the names are kept beside their hashes so every decision can say which terms weighed how much.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence

from .text import fold_word, get_stemmer, tokenize_words

FEATURE_VERSION = 1
"""Bump when the features change: a model trained on other features is refused."""
HASH_BITS = 18
DIMENSION = 1 << HASH_BITS
BODY_WORDS_MAX = 200
"""Words of the body looked at (the lead: general outlets' summaries are short)."""
CHAR_NGRAM = 4
MIN_WORD_LETTERS = 2
RULE_SCORE_CAP = 4.0

Features = dict[str, float]


_HASHES: dict[str, int] = {}
HASH_CACHE_MAX = 500_000


def hash_feature(name: str) -> int:
    """The index of a feature name in the weight vector (stable: CRC-32 of its UTF-8 bytes),
    cached: the same words come back item after item."""
    index = _HASHES.get(name)
    if index is None:
        if len(_HASHES) >= HASH_CACHE_MAX:
            _HASHES.clear()
        index = _HASHES[name] = zlib.crc32(name.encode("utf-8")) & (DIMENSION - 1)
    return index


def stems_of(lang: str, words: Sequence[str], stop_stems: frozenset[str]) -> list[str]:
    stems = get_stemmer(lang).stem_words(words)
    return [s for s in stems if len(s) >= MIN_WORD_LETTERS and s not in stop_stems]


def add_text(features: Features, prefix: str, stems: Sequence[str]) -> None:
    for stem in stems:
        features[prefix + stem] = 1.0


def add_bigrams(features: Features, stems: Sequence[str]) -> None:
    for first, second in itertools.pairwise(stems):
        features[f"b:{first}_{second}"] = 1.0


def add_char_ngrams(features: Features, words: Iterable[str]) -> None:
    for word in words:
        folded = f"_{fold_word(word)}_"
        for i in range(len(folded) - CHAR_NGRAM + 1):
            features["c:" + folded[i : i + CHAR_NGRAM]] = 1.0


def rule_features(rule_scores: Mapping[str, float], threshold: float) -> Features:
    """The rules' figures as features: the relevance score relative to its threshold (capped)
    and each part and theme score on a log scale."""
    features: Features = {}
    for name, value in rule_scores.items():
        if value <= 0:
            continue
        if name == "score":
            features["r:score"] = min(value / threshold, RULE_SCORE_CAP)
        else:
            features["r:" + name] = math.log1p(value)
    return features


def item_features(
    lang: str,
    title_words: Sequence[str],
    body_words: Sequence[str],
    *,
    stop_stems: frozenset[str] = frozenset(),
    rule_scores: Mapping[str, float] | None = None,
    rule_threshold: float = 1.0,
    source_relevance: str = "check",
    categories: Sequence[str] = (),
) -> Features:
    """The named features of one item (see the module docstring)."""
    title_stems = stems_of(lang, title_words, stop_stems)
    body_stems = stems_of(lang, body_words[:BODY_WORDS_MAX], stop_stems)
    category_words = [w for c in categories for w in tokenize_words(c)]
    category_stems = stems_of(lang, category_words, stop_stems)
    features: Features = {}
    add_text(features, "w:", title_stems)
    add_text(features, "w:", body_stems)
    add_text(features, "w:", category_stems)
    add_text(features, "t:", title_stems)
    add_text(features, "k:", category_stems)
    add_bigrams(features, title_stems)
    add_bigrams(features, body_stems)
    add_char_ngrams(features, title_words)
    features["s:" + source_relevance] = 1.0
    features["bias:text"] = 1.0 if body_stems else 0.0
    features.update(rule_features(rule_scores or {}, rule_threshold))
    return features


def index_features(features: Features) -> list[tuple[int, float]]:
    """(index, value) pairs, values of colliding names added."""
    indexed: dict[int, float] = {}
    for name, value in features.items():
        if value:
            index = hash_feature(name)
            indexed[index] = indexed.get(index, 0.0) + value
    return sorted(indexed.items())
