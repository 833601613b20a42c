"""Match compiled taxonomy terms against a stemmed word sequence.

All sections (the relevance vocabulary and every theme) are merged into one index per language so
a text is scanned once: at each position each section takes its longest term starting there, and
a section's matches never overlap. Exclusion phrases mask the positions they cover for their own
section only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .taxonomy import Section, Stems, Taxonomy, Term

RELEVANCE = "relevance"

IndexEntry = tuple[str, Term]
ExclusionEntry = tuple[str, Stems]


@dataclass(slots=True)
class LanguageIndex:
    """Every section's terms and exclusions for one language, by first stem."""

    terms: dict[str, list[IndexEntry]] = field(default_factory=dict)
    exclusions: dict[str, list[ExclusionEntry]] = field(default_factory=dict)


@dataclass(slots=True)
class SectionMatch:
    """What one section matched in one text: weighted score and term counts."""

    score: float = 0.0
    terms: Counter[str] = field(default_factory=Counter)
    weights: dict[str, float] = field(default_factory=dict)

    def saturate(self) -> None:
        """Score each term as ``weight × (1 + ln count)``: repeating a word adds less and less."""
        self.score = sum(self.weights[t] * (1.0 + math.log(c)) for t, c in self.terms.items())


def build_language_index(taxonomy: Taxonomy, lang: str) -> LanguageIndex:
    """Merge the relevance vocabulary and the themes of ``lang`` into one index."""
    index = LanguageIndex()
    sections: list[tuple[str, Section]] = [(RELEVANCE, taxonomy.relevance)]
    sections.extend(taxonomy.themes.items())
    for section_id, section in sections:
        for first, terms in section.terms.get(lang, {}).items():
            index.terms.setdefault(first, []).extend((section_id, t) for t in terms)
        for first, phrases in section.exclusions.get(lang, {}).items():
            index.exclusions.setdefault(first, []).extend((section_id, p) for p in phrases)
    for entries in index.terms.values():
        entries.sort(key=lambda entry: -len(entry[1].stems))
    return index


def find_masked(
    index: LanguageIndex, stems: Sequence[str], stem_set: set[str] | None = None
) -> set[tuple[str, int]]:
    """(section id, position) pairs covered by an exclusion phrase (``stem_set``: the set of
    ``stems`` when already made)."""
    masked: set[tuple[str, int]] = set()
    exclusions = index.exclusions
    present = exclusions.keys() & (stem_set if stem_set is not None else set(stems))
    if not present:
        return masked
    for i in [i for i, stem in enumerate(stems) if stem in present]:
        for section_id, phrase in exclusions[stems[i]]:
            size = len(phrase)
            if tuple(stems[i : i + size]) == phrase:
                masked.update((section_id, j) for j in range(i, i + size))
    return masked


def match_sections(
    index: LanguageIndex,
    stems: Sequence[str],
    stop_stems: frozenset[str],
    words: Sequence[str] | None = None,
) -> dict[str, SectionMatch]:
    """Section id → matches in ``stems``; stop words (``stop_stems``) are skipped in phrases.

    ``words`` are the original words the stems come from: an acronym term (written in capitals)
    matches only where the word is in capitals too, an exact word only where it is spelled as
    listed. Without ``words`` neither is checked."""
    results: dict[str, SectionMatch] = {}
    terms = index.terms
    stem_set = set(stems)
    present = terms.keys() & stem_set
    if present and stop_stems:
        present -= stop_stems
    if not present:
        return results  # no term starts in this text: nothing to mask or to match
    masked = find_masked(index, stems, stem_set)
    positions = [i for i, stem in enumerate(stems) if stem not in stop_stems]
    seq = list(map(stems.__getitem__, positions))
    next_free: dict[str, int] = {}
    end = len(seq)
    for i in [i for i, stem in enumerate(seq) if stem in present]:
        for section_id, term in terms[seq[i]]:
            if next_free.get(section_id, 0) > i:
                continue
            phrase = term.stems
            size = len(phrase)
            if size > 1 and (i + size > end or seq[i + 1] != phrase[1]
                             or tuple(seq[i : i + size]) != phrase):
                continue
            if masked and (section_id, positions[i]) in masked:
                continue
            if words is not None and (term.acronym or term.forms):
                word = words[positions[i]]
                if term.acronym and not word.isupper():
                    continue
                if term.forms and word.lower() not in term.forms:
                    continue
            match = results.get(section_id)
            if match is None:
                match = results[section_id] = SectionMatch()
            match.weights[term.text] = term.weight
            match.terms[term.text] += 1
            next_free[section_id] = i + size
    for match in results.values():
        match.saturate()
    return results
