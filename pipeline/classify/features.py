"""Features of the relevance model: named, hashed, explainable.

An item becomes a small dictionary ``feature name → value``: word stems of the title (``t:``) and
of the whole text (``w:``), stem bigrams of the title (``b:``; those of the body doubled the cost
of the model and, cross-validated on the training sets, did not help), character 4-grams of the
title (``c:``), the
feed's own categories (``k:``, also added as text), the source's relevance setting (``s:``) and
the rules' own figures (``r:``: relevance score, theme scores). Names are hashed into a fixed
space (CRC-32, stable across processes and machines) so the trained model is one weight vector;
the names are kept beside their hashes so every decision can say which terms weighed how much.

The rules' figures enter as bins of their ratio to the relevance threshold (``r:score>=0.75``:
the score is between 0.75 and 1.5 times the threshold), not as a number: on a log scale the first
point of evidence weighed the most, so one everyday word in a title ("food", counted three times
there) moved an item's log-odds as much as a paragraph on soils would. With bins the model learns
what each level of rule evidence is worth, and a weak level is worth little. There is no
feature for "the item has a text": a bare title is no evidence either way (such a flag, learnt
from the few text-less training items, made bare titles lean relevant).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Mapping, Sequence

from .text import fold_word, get_stemmer, tokenize_words

FEATURE_VERSION = 3
"""Bump when the features change: a model trained on other features is refused."""
HASH_BITS = 18
DIMENSION = 1 << HASH_BITS
BODY_WORDS_MAX = 200
"""Words of the body looked at (the lead: general outlets' summaries are short)."""
CHAR_NGRAM = 4
MIN_WORD_LETTERS = 2
RULE_BIN_EDGES: tuple[float, ...] = (0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
"""Lower edges of the bins of a rule figure, as a ratio to the relevance threshold."""

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


def keep_stems(stems: Iterable[str], stop_stems: frozenset[str]) -> list[str]:
    """``stems`` without stop words and one-letter stems."""
    return [s for s in stems if len(s) >= MIN_WORD_LETTERS and s not in stop_stems]


_NGRAMS: dict[str, list[str]] = {}
NGRAM_CACHE_MAX = 100_000


def char_ngrams(word: str) -> list[str]:
    """The ``c:`` features of one title word (cached: titles repeat words)."""
    grams = _NGRAMS.get(word)
    if grams is None:
        if len(_NGRAMS) >= NGRAM_CACHE_MAX:
            _NGRAMS.clear()
        folded = f"_{fold_word(word)}_"
        grams = _NGRAMS[word] = [
            "c:" + folded[i : i + CHAR_NGRAM] for i in range(len(folded) - CHAR_NGRAM + 1)]
    return grams


def rule_bin(ratio: float) -> str:
    """The bin name of a rule figure ``ratio`` × the threshold: ``"<0.125"``, ``">=0.75"``…"""
    lower = None
    for edge in RULE_BIN_EDGES:
        if ratio < edge:
            break
        lower = edge
    return f"<{RULE_BIN_EDGES[0]:g}" if lower is None else f">={lower:g}"


def rule_features(rule_scores: Mapping[str, float], threshold: float) -> Features:
    """The rules' figures (relevance score, its parts, each theme's score) as one indicator
    each, naming the bin of the figure's ratio to the relevance ``threshold``."""
    features: Features = {}
    scale = 1.0 / threshold if threshold > 0 else 1.0
    for name, value in rule_scores.items():
        if value > 0:
            features[f"r:{name}{rule_bin(value * scale)}"] = 1.0
    return features


def item_features(
    lang: str,
    title_words: Sequence[str],
    title_stems: Sequence[str],
    body_stems: Sequence[str],
    *,
    stop_stems: frozenset[str] = frozenset(),
    rule_scores: Mapping[str, float] | None = None,
    rule_threshold: float = 1.0,
    source_relevance: str = "check",
    categories: Sequence[str] = (),
) -> Features:
    """The named features of one item (see the module docstring), from the stems the rules
    already made (in ``lang``): nothing is stemmed twice. Every feature is an indicator (1.0)."""
    title_kept = keep_stems(title_stems, stop_stems)
    # each body stem once, in the order first met (the names are deduplicated at the end in
    # that same order): a body repeats its words, and each repeat cost a check and a name
    body_kept = keep_stems(dict.fromkeys(body_stems[:BODY_WORDS_MAX]), stop_stems)
    names = ["w:" + stem for stem in title_kept]
    names += ["w:" + stem for stem in body_kept]
    if categories:
        category_words = [w for c in categories for w in tokenize_words(c)]
        category_stems = keep_stems(get_stemmer(lang).stem_words(category_words), stop_stems)
        names += ["w:" + stem for stem in category_stems]
        names += ["k:" + stem for stem in category_stems]
    names += ["t:" + stem for stem in title_kept]
    names += [f"b:{first}_{second}" for first, second in itertools.pairwise(title_kept)]
    for word in title_words:
        names += char_ngrams(word)
    names.append("s:" + source_relevance)
    names += rule_features(rule_scores or {}, rule_threshold)
    return dict.fromkeys(names, 1.0)


def index_features(features: Features) -> list[tuple[int, float]]:
    """(index, value) pairs, values of colliding names added."""
    indexed: dict[int, float] = {}
    for name, value in features.items():
        if value:
            index = hash_feature(name)
            indexed[index] = indexed.get(index, 0.0) + value
    return sorted(indexed.items())
