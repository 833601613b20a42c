"""Link items that tell the same story: across languages, and within one language across outlets.

Each item is reduced to features: places (as ISO codes through the gazetteer, so "Kenya", "Kenia"
and "kényan" agree), acronyms and capitalised names, numbers, the stems of an English title (the
item's own or a translation) and, for items in the same language, the stems of the key words of
its title and lead. A pair's score is the cosine of its idf-weighted feature vectors:

- **across languages** the score leaves the key words out (they cannot match) and must reach
  :data:`LINK_THRESHOLD` with :data:`MIN_SHARED_FEATURES` shared features, published within
  :data:`MAX_DAYS_APART` days;
- **within a language**, between two outlets, the score counts every feature and must reach
  :data:`SAME_LANG_THRESHOLD`, with :data:`MIN_SHARED_SAME_LANG` shared features of which at least
  one is a specific fact (a day of the year, or a figure that is neither a year nor a round
  number: "10 April", "336 votes", "5,78 Mt"), published within :data:`SAME_LANG_DAYS` days
  (reports of a study or a vote run for weeks). Two items of one outlet are never linked so.

Both rules need a rare feature in common: a name, figure or day that at most
:data:`RARE_SHARE` of the items have (a specific fact, within a language). So candidate pairs
come from an inverted index of rare features only, keyed by period of :data:`SAME_LANG_DAYS`
days: no pair that the rules accept is missed (a test checks this against comparing all pairs),
no posting list is ever cut, and a list is never longer than the rare-feature limit (at most
:data:`MAX_RARE_ITEMS`), so the candidate pairs grow linearly once 1 % of the items reaches that
limit (about 100k items; below it they grow faster: see docs/benchmarks.md). Linked pairs are
joined with union-find, strongest first, never into a group that spans more than
:data:`SAME_LANG_DAYS` days.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.grouping import UnionFind
from pipeline.records import StoryCandidate

from .gazetteer import Gazetteer, load_default_gazetteer
from .text import clean_text, fold_accents, get_stemmer, tokenize_words

LINK_THRESHOLD = 0.25
SAME_LANG_THRESHOLD = 0.18
MAX_DAYS_APART = 7
SAME_LANG_DAYS = 21
TEXT_CHARS = 2_000
"""Characters of text looked at beyond the title (the lead carries the names and figures)."""
LEAD_CHARS = 600
"""Characters of text whose key words count for items in the same language."""
MIN_SHARED_FEATURES = 2
RARE_SHARE = 0.01
MIN_RARE_ITEMS = 10
MAX_RARE_ITEMS = 1_000
"""A feature is rare when at most this share of the items have it (at least 10, at most 1,000
items). Two reports of one story share at least one rare feature (a name, a figure, a day):
"4 pour 1000" is in every item about the Initiative and tells none of them apart. (At 100k
items a limit of 100 cost a fifth of the cross-language recall; it saved up to a quarter of
the linking time.)"""
MIN_SHARED_SAME_LANG = 4
WEIGHTS = {"place": 1.0, "name": 1.0, "pair": 0.5, "number": 1.5, "day": 1.5, "word": 0.5,
           "term": 0.5}
ENTITY_KINDS = ("name", "number", "place", "day")

_NUMBER_RE = re.compile(r"\d[\d.,  ]*\d|\d")
_MONTHS = {name: number for number, names in enumerate((
    "janvier january enero jan ene", "fevrier february febrero feb fev",
    "mars march marzo", "avril april abril apr abr", "mai may mayo",
    "juin june junio jun", "juillet july julio jul", "aout august agosto aug",
    "septembre september septiembre setiembre sep", "octobre october octubre oct",
    "novembre november noviembre nov", "decembre december diciembre dec dic"), start=1)
    for name in names.split()}
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DAY_RE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:er|st|nd|rd|th|º)?\s+(?:de\s+)?(?P<m1>{_MONTH_ALT})"
    rf"|(?P<m2>{_MONTH_ALT})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)"
    r"(?:,?\s+(?:de\s+|del\s+)?(?P<year>(?:19|20)\d\d))?\b", re.IGNORECASE)
_SENTENCE_END = frozenset('.!?:;«»"“”')


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NAME_PARTICLES = _words("le la les de du des el los las del di da van von der den the")
"""Capitalised inside a name ("Le Foll", "De Schutter"), not a name on their own."""


_STOPWORDS = {
    "en": _words(
        "the a an of to in on for and or with by at from as is are was were be been it its this "
        "that these those their his her our which who has have had not after over into says "
        "said new will would can could more most than also about year years"),
    "fr": _words(
        "le la les un une des du de d l et ou en au aux pour par sur dans avec sans est sont "
        "été être a ont qui que qu ce cette ces son sa ses leur leurs plus selon après avant "
        "ainsi comme mais aussi entre dont lors fait faire tout tous année ans"),
    "es": _words(
        "el la los las un una unos unas de del al y o en por para con sin es son ha han fue "
        "ser que se su sus lo como más pero también entre sobre tras según desde hasta este "
        "esta estos estas ese esa año años"),
}


@dataclass(slots=True)
class LinkStats:
    """What one linking run did (for benchmarks and logs)."""

    postings: int = 0
    postings_dropped: int = 0
    candidate_pairs: int = 0
    linked_pairs: int = 0


def extract_numbers(text: str) -> set[str]:
    """Numbers of two or more digits, separators dropped (``"1,4"`` and ``"1.4"`` agree)."""
    numbers = set()
    for match in _NUMBER_RE.findall(text):
        digits = "".join(ch for ch in match if ch.isdigit())
        if len(digits) >= 2:
            numbers.add(digits)
    return numbers


def extract_names(words: Sequence[str]) -> set[str]:
    """Acronyms and capitalised words that do not start a sentence, folded, and pairs of such
    words in a row ("one planet", "mar menor": a pair names one thing more surely)."""
    names = set()
    previous = "."
    last_name = ""
    for word in words:
        if (
            len(word) > 1
            and word[0].isupper()
            and (word.isupper() or previous not in _SENTENCE_END)
        ):
            name = fold_accents(word.lower())
            if word.isupper() or name not in _NAME_PARTICLES:
                names.add(name)
            if last_name:
                names.add(f"{last_name}_{name}")
            last_name = name
        elif word.isalnum():
            last_name = ""
        previous = word[-1:] if not word[-1:].isalnum() else "w"
    return names


def extract_days(text: str) -> tuple[set[str], str]:
    """Days written out ("13 juin", "1er décembre 2015", "10 de abril", "April 10", "10 April")
    as ``MM-DD`` (the items' dates keep years apart): two reports of one event name its day.
    Also returns the text with those days (and their years) blanked, so that their digits are
    not counted again as numbers."""
    days = set()
    for match in _DAY_RE.finditer(text):
        day = match.group("d1") or match.group("d2")
        month = _MONTHS[fold_accents((match.group("m1") or match.group("m2")).lower())]
        if day and 1 <= int(day) <= 31:
            days.add(f"{month:02d}-{int(day):02d}")
    return days, _DAY_RE.sub(" ", text)


def is_cross_language(feature: str) -> bool:
    """Features that can match across languages: not key words, nor pairs of names (their
    wording changes with the language: "Welsh Parliament", "Parlement gallois")."""
    return not feature.startswith("term:") and not (feature.startswith("name:") and "_" in feature)


def is_specific(feature: str) -> bool:
    """A fact that names one event: a day of the year, or a number that is not a year, has
    three digits or more and is not a round power of ten ("336 votes", "5,78 Mt", "14,3
    milliards"; not "2019", "25 %", "4 pour 1000")."""
    kind, _, value = feature.partition(":")
    if kind == "day":
        return True
    return (kind == "number" and feature_weight(feature) >= WEIGHTS["number"]
            and value.rstrip("0") != "1")


def feature_weight(feature: str) -> float:
    """The weight of a feature's kind; numbers weigh by what they are (a year or a two-digit
    number recurs across stories, "336 votes" or "5,78 Mt" hardly)."""
    kind, _, value = feature.partition(":")
    if kind == "name" and "_" in value:
        return WEIGHTS["pair"]
    if kind != "number":
        return WEIGHTS[kind]
    if len(value) == 4 and 1900 <= int(value) <= 2100:
        return 0.5
    return 0.75 if len(value) == 2 else WEIGHTS["number"]


def extract_features(candidate: StoryCandidate, gazetteer: Gazetteer) -> set[str]:
    """Features of one item; ``term:`` features only ever match items in the same language."""
    title = clean_text(candidate.title, 1_000)
    body = clean_text(candidate.text, TEXT_CHARS)
    sample = f"{title}. {body}"
    words = re.findall(r"\w+|[^\w\s]", sample)
    days, without_days = extract_days(fold_accents(sample))
    features = {f"day:{d}" for d in days}
    features.update(f"number:{n}" for n in extract_numbers(without_days))
    features.update(f"name:{n}" for n in extract_names(words))
    plain_words = tokenize_words(sample)
    features.update(f"place:{place.code}" for _, place in gazetteer.find_places(plain_words))
    english = candidate.title if candidate.lang == "en" else candidate.translated_titles.get("en")
    if english:
        features.update(f"word:{stem}" for stem in key_stems(english, "en"))
    if candidate.lang in _STOPWORDS:
        lead = f"{title}. {body[:LEAD_CHARS]}"
        features.update(f"term:{candidate.lang}:{stem}" for stem in key_stems(lead, candidate.lang))
    return features


def key_stems(text: str, lang: str) -> set[str]:
    """Stems of the words of ``text`` that can tell stories apart (no stop words, no digits)."""
    stemmer = get_stemmer(lang)
    stopwords = _STOPWORDS.get(lang, frozenset())
    return {stemmer.stem(w) for w in tokenize_words(text)
            if len(w) > 3 and not w.isdigit() and w.lower() not in stopwords}


def as_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC datetime; a naive one (as SQLite returns) is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def bucket_of(published_at: datetime | None, days: int = SAME_LANG_DAYS) -> int | None:
    """Period number of width ``days``; ``None`` for undated items (near every period)."""
    moment = as_utc(published_at)
    if moment is None:
        return None
    return int(moment.timestamp() // (days * 86_400))


def are_close_in_time(first: datetime | None, second: datetime | None,
                      days: int = MAX_DAYS_APART) -> bool:
    first, second = as_utc(first), as_utc(second)
    if first is None or second is None:
        return True
    return abs((first - second).total_seconds()) <= days * 86_400


def link_stories(
    items: Sequence[StoryCandidate], *, gazetteer: Gazetteer | None = None,
    stats: LinkStats | None = None, exhaustive: bool = False,
    max_postings: int | None = None,
) -> list[list[str]]:
    """Group item ids by story: reports of one event or study share a group.

    Every id appears in exactly one group (singletons included); groups are ordered by their
    first item, ids inside a group keep the input order. ``exhaustive`` scores every pair
    instead of the index's candidates (quadratic: for checking the index on small sets);
    ``max_postings`` caps a posting list (only for the benchmark's comparison with the cap the
    index used to have: without a cap, a list is never longer than a rare feature's count).
    """
    gazetteer = gazetteer or load_default_gazetteer()
    stats = stats if stats is not None else LinkStats()
    features = [extract_features(item, gazetteer) for item in items]
    document_frequency: dict[str, int] = defaultdict(int)
    for item_features in features:
        for feature in item_features:
            document_frequency[feature] += 1
    total = max(len(items), 1)
    max_rare = max(MIN_RARE_ITEMS, min(int(total * RARE_SHARE), MAX_RARE_ITEMS))
    idf = {f: math.log(1 + total / df) for f, df in document_frequency.items()}

    def weight(feature: str) -> float:
        return feature_weight(feature) * idf[feature]

    vectors = [{f: weight(f) for f in fs} for fs in features]
    del features  # the vectors' keys are the features
    masses_all = [sum(w * w for w in v.values()) or 1.0 for v in vectors]
    masses_cross = [sum(w * w for f, w in v.items() if is_cross_language(f)) or 1.0
                    for v in vectors]
    buckets = [bucket_of(item.published_at) for item in items]
    postings: dict[tuple[str, str], dict[int | None, list[int]]] = defaultdict(dict)
    """(feature, language) → period → items: a cross-language feature is looked up in the
    other languages' lists, a specific fact in the item's own language's list."""
    languages = sorted({item.lang for item in items})
    sets: UnionFind[int] = UnionFind(range(len(items)))
    links: list[tuple[float, int, int]] = []
    for index, vector in enumerate(vectors):
        lang = items[index].lang
        bucket = buckets[index]
        others: set[int] = set()
        for feature in vector:
            if document_frequency[feature] > max_rare:
                continue
            cross, specific = is_cross_language(feature), is_specific(feature)
            if not (cross or specific):
                continue
            look_in = [other for other in languages if other != lang] if cross else []
            if specific:
                look_in.append(lang)
            for other_lang in look_in:
                by_bucket = postings.get((feature, other_lang))
                if not by_bucket:
                    continue
                if bucket is None:  # an undated item may be near any other
                    for posting in by_bucket.values():
                        others.update(posting)
                else:
                    for near_bucket in (bucket - 1, bucket, bucket + 1, None):
                        others.update(by_bucket.get(near_bucket, ()))
            own = postings[(feature, lang)].setdefault(bucket, [])
            if max_postings is not None and len(own) >= max_postings:
                stats.postings_dropped += 1
                continue
            own.append(index)
            stats.postings += 1
        if exhaustive:
            others = set(range(index))
        stats.candidate_pairs += len(others)
        for other in others:
            score = score_pair(items[other], items[index], vectors[other], vector,
                               (masses_all[other], masses_all[index]),
                               (masses_cross[other], masses_cross[index]),
                               document_frequency, max_rare)
            if score:
                links.append((score, other, index))
    stats.linked_pairs = join_groups(links, items, sets)
    return [[items[index].id for index in group] for group in sets.groups()]


def join_groups(links: list[tuple[float, int, int]], items: Sequence[StoryCandidate],
                sets: UnionFind[int]) -> int:
    """Union the linked pairs, strongest first; a link that would make a group span more than
    :data:`SAME_LANG_DAYS` between its dated items is refused (an undated item must not chain
    reports months apart into one story). Returns how many links were used."""
    spans: dict[int, tuple[datetime, datetime] | None] = {}

    def span_of(root: int) -> tuple[datetime, datetime] | None:
        if root not in spans:
            moment = as_utc(items[root].published_at)
            spans[root] = (moment, moment) if moment else None
        return spans[root]

    used = 0
    for _, first, second in sorted(links, key=lambda link: (-link[0], link[1], link[2])):
        a, b = sets.find(first), sets.find(second)
        if a == b:
            continue
        span_a, span_b = span_of(a), span_of(b)
        merged = span_a or span_b
        if span_a and span_b:
            merged = (min(span_a[0], span_b[0]), max(span_a[1], span_b[1]))
            if (merged[1] - merged[0]).total_seconds() > SAME_LANG_DAYS * 86_400:
                continue
        sets.union(a, b)
        spans[sets.find(a)] = merged
        used += 1
    return used


def score_pair(first: StoryCandidate, second: StoryCandidate, a: Mapping[str, float],
               b: Mapping[str, float], masses_all: tuple[float, float],
               masses_cross: tuple[float, float], frequency: Mapping[str, int],
               max_rare: int) -> float:
    """The score of one candidate pair when it passes (see the module's description), else 0."""
    if first.lang != second.lang:
        if not are_close_in_time(first.published_at, second.published_at):
            return 0.0
        kept = [f for f in a.keys() & b.keys() if is_cross_language(f)]
        if len(kept) < MIN_SHARED_FEATURES or not any(frequency[f] <= max_rare for f in kept):
            return 0.0
        score = sum(a[f] * a[f] for f in kept) / math.sqrt(masses_cross[0] * masses_cross[1])
        return score if score >= LINK_THRESHOLD else 0.0
    if first.source and first.source == second.source:
        return 0.0
    if not are_close_in_time(first.published_at, second.published_at, SAME_LANG_DAYS):
        return 0.0
    shared = a.keys() & b.keys()
    if len(shared) < MIN_SHARED_SAME_LANG or not any(
            is_specific(f) and frequency[f] <= max_rare for f in shared):
        return 0.0
    score = sum(a[f] * a[f] for f in shared) / math.sqrt(masses_all[0] * masses_all[1])
    return score if score >= SAME_LANG_THRESHOLD else 0.0
