"""Link items in different languages that tell the same story.

Each item is reduced to language-independent features: places (as ISO codes through the
gazetteer, so "Kenya", "Kenia" and "kényan" agree), acronyms and capitalised names, numbers, and,
when an English title is known (the item's own or a translation), the stems of its words.
Candidate pairs come from an inverted index keyed by feature and period of
:data:`MAX_DAYS_APART` days (an item meets items of its own and the next period); a posting list
longer than :data:`MAX_POSTINGS` is too common to tell stories apart and is skipped, so the work
grows with n × MAX_POSTINGS, never with all pairs. Undated items form one period of their own.
Pairs in different languages scoring above :data:`LINK_THRESHOLD` (idf-weighted cosine of their
feature sets) and published within :data:`MAX_DAYS_APART` are joined with union-find.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from pipeline.grouping import UnionFind
from pipeline.records import StoryCandidate

from .gazetteer import Gazetteer, load_default_gazetteer
from .text import clean_text, fold_accents, get_stemmer, tokenize_words

MAX_POSTINGS = 64
LINK_THRESHOLD = 0.22
MAX_DAYS_APART = 7
TEXT_CHARS = 2_000
"""Characters of text looked at beyond the title (the lead carries the names and figures)."""
MIN_SHARED_FEATURES = 2
WEIGHTS = {"place": 1.0, "name": 1.0, "number": 1.5, "word": 0.5}

_NUMBER_RE = re.compile(r"\d[\d.,  ]*\d|\d")
_SENTENCE_END = frozenset('.!?:;«»"“”')
_EN_STOPWORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "with",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "their",
        "his",
        "her",
        "our",
        "which",
        "who",
        "has",
        "have",
        "had",
        "not",
        "after",
        "over",
        "into",
        "says",
        "said",
        "new",
    }
)


def extract_numbers(text: str) -> set[str]:
    """Numbers of two or more digits, separators dropped (``"1,4"`` and ``"1.4"`` agree)."""
    numbers = set()
    for match in _NUMBER_RE.findall(text):
        digits = "".join(ch for ch in match if ch.isdigit())
        if len(digits) >= 2:
            numbers.add(digits)
    return numbers


def extract_names(words: Sequence[str]) -> set[str]:
    """Acronyms and capitalised words that do not start a sentence, folded."""
    names = set()
    previous = "."
    for word in words:
        if (
            len(word) > 1
            and word[0].isupper()
            and (word.isupper() or previous not in _SENTENCE_END)
        ):
            names.add(fold_accents(word.lower()))
        previous = word[-1:] if not word[-1:].isalnum() else "w"
    return names


def extract_features(candidate: StoryCandidate, gazetteer: Gazetteer) -> set[str]:
    """Language-independent features of one item."""
    title = clean_text(candidate.title, 1_000)
    body = clean_text(candidate.text, TEXT_CHARS)
    sample = f"{title}. {body}"
    words = re.findall(r"\w+|[^\w\s]", sample)
    features = {f"number:{n}" for n in extract_numbers(sample)}
    features.update(f"name:{n}" for n in extract_names(words))
    plain_words = tokenize_words(sample)
    features.update(f"place:{place.code}" for _, place in gazetteer.find_places(plain_words))
    english = candidate.title if candidate.lang == "en" else candidate.translated_titles.get("en")
    if english:
        stemmer = get_stemmer("en")
        features.update(
            f"word:{stemmer.stem(w)}"
            for w in tokenize_words(english)
            if w.lower() not in _EN_STOPWORDS and not w.isdigit() and len(w) > 2
        )
    return features


def as_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC datetime; a naive one (as SQLite returns) is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def bucket_of(published_at: datetime | None) -> int | None:
    """Period number of width :data:`MAX_DAYS_APART` days; ``None`` for undated items."""
    moment = as_utc(published_at)
    if moment is None:
        return None
    return int(moment.timestamp() // (MAX_DAYS_APART * 86_400))


def are_close_in_time(first: datetime | None, second: datetime | None) -> bool:
    first, second = as_utc(first), as_utc(second)
    if first is None or second is None:
        return True
    return abs((first - second).total_seconds()) <= MAX_DAYS_APART * 86_400


def link_stories(
    items: Sequence[StoryCandidate], *, gazetteer: Gazetteer | None = None
) -> list[list[str]]:
    """Group item ids by story: items in different languages about the same event share a group.

    Every id appears in exactly one group (singletons included); groups are ordered by their
    first item, ids inside a group keep the input order.
    """
    gazetteer = gazetteer or load_default_gazetteer()
    features = [extract_features(item, gazetteer) for item in items]
    buckets = [bucket_of(item.published_at) for item in items]
    postings: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    document_frequency: dict[str, int] = defaultdict(int)
    for index, item_features in enumerate(features):
        for feature in item_features:
            postings[(feature, buckets[index])].append(index)
            document_frequency[feature] += 1
    total = max(len(items), 1)
    idf = {f: math.log(1 + total / df) for f, df in document_frequency.items()}

    def weight(feature: str) -> float:
        return WEIGHTS[feature.split(":", 1)[0]] * idf[feature]

    masses = [sum(weight(f) ** 2 for f in fs) or 1.0 for fs in features]
    shared: dict[tuple[int, int], list[float]] = defaultdict(list)
    for (feature, bucket), indexes in postings.items():
        following = postings.get((feature, bucket + 1), []) if bucket is not None else []
        if len(indexes) + len(following) > MAX_POSTINGS:
            continue  # too common in this period to tell stories apart
        w = weight(feature) ** 2
        for pos, first in enumerate(indexes):
            for second in (*indexes[pos + 1 :], *following):
                if items[first].lang != items[second].lang:
                    shared[(min(first, second), max(first, second))].append(w)
    sets: UnionFind[int] = UnionFind(range(len(items)))
    for (first, second), weights in shared.items():
        if len(weights) < MIN_SHARED_FEATURES:
            continue
        score = sum(weights) / math.sqrt(masses[first] * masses[second])
        if score >= LINK_THRESHOLD and are_close_in_time(
            items[first].published_at, items[second].published_at
        ):
            sets.union(first, second)
    return [[items[index].id for index in group] for group in sets.groups()]
