"""The rules' evidence for one item: cleaned text, language, words and their stems, and the
taxonomy's matches with the relevance score built from them.

Computed once per item and shared by everything after it: the rules' own decision, the relevance
model's features (the same stems, not stemmed a second time) and the themes. Training builds its
features through the same function, so what the model learns from is what it sees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .language import UNDETERMINED, detect_language
from .matching import RELEVANCE, LanguageIndex, SectionMatch, build_language_index, match_sections
from .taxonomy import EXTRA_LANGUAGES, TAXONOMY_LANGUAGES, Taxonomy
from .text import TEXT_MAX_CHARS, TITLE_MAX_CHARS, clean_text, get_stemmer, tokenize_words

DETECT_BODY_CHARS = 60
"""Characters of body added to the title for language identification (was 120: with 60, and
even 40, no item of the tuning sets and none of the throughput benchmark's items changes
language, and the identification's byte-by-byte walk is a quarter of an item's cost)."""
SHORT_TEXT_LETTERS = 20
"""Below this many characters the source's language is trusted over detection."""

MAX_CACHED_INDEXES = 32
_INDEXES: dict[tuple[int, str], tuple[Taxonomy, LanguageIndex]] = {}


def get_language_index(taxonomy: Taxonomy, lang: str) -> LanguageIndex:
    """The merged term index of ``taxonomy`` for ``lang``, built once."""
    key = (id(taxonomy), lang)
    cached = _INDEXES.get(key)
    if cached is None or cached[0] is not taxonomy:
        if len(_INDEXES) >= MAX_CACHED_INDEXES:
            _INDEXES.clear()
        cached = _INDEXES[key] = (taxonomy, build_language_index(taxonomy, lang))
    return cached[1]


def choose_language(title: str, body: str, source_lang: str | None) -> tuple[str, str]:
    """(language used, language detected) for an item."""
    sample = f"{title}. {body[:DETECT_BODY_CHARS]}" if body else title
    detected = detect_language(sample)
    if detected == UNDETERMINED or len(sample.strip()) < SHORT_TEXT_LETTERS:
        return (source_lang or detected), detected
    return detected, detected


def match_text(
    taxonomy: Taxonomy, lang: str, words: Sequence[str], stems: Sequence[str] | None = None
) -> dict[str, SectionMatch]:
    """Match every section of the taxonomy in ``words``, stemmed in ``lang`` (unless their
    ``stems`` in ``lang`` are given)."""
    if stems is None:
        stems = get_stemmer(lang).stem_words(words)
    stop_stems = taxonomy.stopwords.get(lang, frozenset())
    return match_sections(get_language_index(taxonomy, lang), stems, stop_stems, words)


def merge_matches(
    into: dict[str, SectionMatch], other: dict[str, SectionMatch], factor: float
) -> None:
    """Add ``other``'s matches, scaled by ``factor``, to ``into``. A section ``into`` lacks takes
    ``other``'s match object itself (rescaled): ``other`` must not be used afterwards."""
    for section_id, match in other.items():
        target = into.get(section_id)
        if target is None:
            match.score = 0.0 + match.score * factor
            into[section_id] = match
            continue
        target.score += match.score * factor
        target.terms.update(match.terms)
        target.weights.update(match.weights)


def score_sections(
    taxonomy: Taxonomy,
    lang: str,
    title_words: Sequence[str],
    body_words: Sequence[str],
    stems: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[dict[str, SectionMatch], dict[str, float]]:
    """(section id → score, section id → body part of that score): the title counts
    ``title_weight`` times, the body is damped by its length. ``stems`` are the title's and the
    body's stems in ``lang`` when already known."""
    settings = taxonomy.settings
    langs = (lang,) if lang in TAXONOMY_LANGUAGES else TAXONOMY_LANGUAGES
    if lang in EXTRA_LANGUAGES:
        langs = (*langs, lang)
    body_factor = 1.0 / math.sqrt(1.0 + len(body_words) / settings["body_norm_tokens"])
    scores: dict[str, SectionMatch] = {}
    body: dict[str, float] = {}
    for match_lang in langs:
        known = stems if match_lang == lang else None
        merge_matches(
            scores,
            match_text(taxonomy, match_lang, title_words, known[0] if known else None),
            settings["title_weight"],
        )
        body_matches = match_text(taxonomy, match_lang, body_words, known[1] if known else None)
        for section_id, match in body_matches.items():  # before the merge rescales them
            body[section_id] = body.get(section_id, 0.0) + match.score * body_factor
        merge_matches(scores, body_matches, body_factor)
    return scores, body


@dataclass(slots=True)
class RuleEvidence:
    """What the rules saw in one item and the relevance score they made of it."""

    lang: str
    detected: str
    title_words: list[str]
    body_words: list[str]
    title_stems: list[str]
    body_stems: list[str]
    scores: dict[str, SectionMatch]
    body_scores: dict[str, float]
    vocabulary: float
    subject: float
    context: float
    truncated: bool

    @property
    def score(self) -> float:
        return self.vocabulary + self.subject + self.context

    def rule_scores(self) -> dict[str, float]:
        """The figures the relevance model takes as features (by name)."""
        figures = {"score": self.score, "vocabulary": self.vocabulary, "subject": self.subject,
                   "context": self.context}
        figures.update((f"theme:{tid}", m.score) for tid, m in self.scores.items()
                       if tid != RELEVANCE)
        return figures


def read_rules(taxonomy: Taxonomy, title: str, text: str,
               source_lang: str | None = None) -> RuleEvidence:
    """Clean, detect the language, tokenise, stem once and match the taxonomy.

    The relevance score is the vocabulary's score plus ``theme_weight_in_relevance`` × the
    subject themes' scores plus the same share of the context themes' (never more than the
    vocabulary itself scored: a pension debate is not about soils)."""
    settings = taxonomy.settings
    truncated = len(text or "") > TEXT_MAX_CHARS or len(title or "") > TITLE_MAX_CHARS
    clean_title = clean_text(title or "", TITLE_MAX_CHARS)
    clean_body = clean_text(text or "", TEXT_MAX_CHARS)
    lang, detected = choose_language(clean_title, clean_body, source_lang)
    title_words = tokenize_words(clean_title)
    body_words = tokenize_words(clean_body)
    stemmer = get_stemmer(lang)
    title_stems = stemmer.stem_words(title_words)
    body_stems = stemmer.stem_words(body_words)
    scores, body_scores = score_sections(taxonomy, lang, title_words, body_words,
                                         (title_stems, body_stems))
    factor = settings["theme_weight_in_relevance"]
    subject = context = 0.0
    for tid, match in scores.items():
        theme = taxonomy.themes.get(tid)
        if theme is not None:
            if theme.makes_relevant:
                subject += match.score
            else:
                context += match.score
    vocabulary = scores[RELEVANCE].score if RELEVANCE in scores else 0.0
    return RuleEvidence(
        lang=lang, detected=detected, title_words=title_words, body_words=body_words,
        title_stems=title_stems, body_stems=body_stems, scores=scores, body_scores=body_scores,
        vocabulary=vocabulary, subject=subject * factor,
        context=min(context * factor, vocabulary), truncated=truncated)
