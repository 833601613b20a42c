"""What a reviewer needs to see in a machine translation: the suspicious words, the glossary
terms of the segment, and near matches from the translation memory.

Pure functions of the texts (no database): the review job hands in the source, the output
and what the memory holds, and the web app shows the result.

- ``number``: a number of the output that the source does not have (``numbers_changed``);
- ``unknown``: a word the engine passed through untranslated (``unknown_words``: the words
  it reported, kept with the text; for texts stored before they were kept, a word of the
  source copied unchanged, in lower case, that is no name the glossary keeps);
- ``term``: a glossary term in its expected wording (good news: the term survived).

Glossary terms whose expected wording is missing from the output are listed separately.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from pipeline.translate.engines import FLAG_UNKNOWN_WORDS
from pipeline.translate.glossary import Glossary, compile_term
from pipeline.translate.quality import _NUMBER, numbers_of

Kind = Literal["number", "unknown", "term"]
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
MIN_UNKNOWN_LENGTH = 4
NEAR_MATCH_RATIO = 0.7
MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class TermCheck:
    """A glossary term found in the source, and whether the output has its wording."""

    source: str
    expected: str
    present: bool


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text, marked or not (what a template prints, each run escaped)."""

    text: str
    kind: Kind | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A wording from the translation memory for the source or one of its sentences."""

    source: str
    target: str
    origin: str
    score: float
    """1.0 for the very same source text; less for a near match."""


def mark_numbers(source: str, output: str) -> list[Mark]:
    """Numbers of ``output`` that ``source`` does not hold (as often)."""
    left = numbers_of(source)
    marks = []
    for match in _NUMBER.finditer(output):
        digits = re.sub(r"\D", "", match.group(0))
        if left[digits] > 0:
            left[digits] -= 1
        else:
            marks.append(Mark(match.start(), match.end(), "number"))
    return marks


def mark_unknown(source: str, output: str, glossary: Glossary | None,
                 words: Sequence[str] = ()) -> list[Mark]:
    """The words the engine reported unknown, where the output has them; without that list,
    lower-case words of the source found unchanged in the output."""
    if words:
        wanted = set(words)
        return [Mark(m.start(), m.end(), "unknown") for m in _WORD.finditer(output)
                if m.group(0) in wanted]
    kept = {name.lower() for name in glossary.keep} if glossary else set()
    source_words = Counter(w.group(0) for w in _WORD.finditer(source))
    marks = []
    for match in _WORD.finditer(output):
        word = match.group(0)
        if (len(word) >= MIN_UNKNOWN_LENGTH and word[0].islower() and source_words[word]
                and word.lower() not in kept):
            marks.append(Mark(match.start(), match.end(), "unknown"))
    return marks


def check_terms(source: str, output: str, source_lang: str, target_lang: str,
                glossary: Glossary | None) -> tuple[list[TermCheck], list[Mark]]:
    """The glossary terms of ``source`` with their expected wording, and where the output
    has them."""
    if glossary is None or source_lang == target_lang:
        return [], []
    checks: dict[str, TermCheck] = {}
    marks: list[Mark] = []
    for found in glossary.find_terms(source, source_lang, target_lang):
        pattern = compile_term(found.target_text)
        hits = list(pattern.finditer(output))
        key = found.target_text.lower()
        checks.setdefault(key, TermCheck(found.source_text, found.target_text, bool(hits)))
        marks += [Mark(hit.start(), hit.end(), "term") for hit in hits]
    return list(checks.values()), marks


def find_marks(source: str, output: str, source_lang: str, target_lang: str,
               flags: Sequence[str], glossary: Glossary | None, unknown: Sequence[str] = ()
               ) -> tuple[list[Mark], list[TermCheck]]:
    """Every mark of one translated text (non-overlapping, in text order), and the glossary
    terms of its source (``unknown``: the words the engine reported)."""
    terms, term_marks = check_terms(source, output, source_lang, target_lang, glossary)
    marks = mark_numbers(source, output)
    if FLAG_UNKNOWN_WORDS in flags:
        marks += mark_unknown(source, output, glossary, unknown)
    chosen: list[Mark] = []
    for mark in sorted([*marks, *term_marks], key=lambda m: (m.start, -(m.end - m.start))):
        if chosen and mark.start < chosen[-1].end:
            continue
        chosen.append(mark)
    return chosen, terms


def split_marked(text: str, marks: Iterable[Mark]) -> list[Piece]:
    """``text`` cut into runs at the marks (marks must not overlap)."""
    pieces: list[Piece] = []
    at = 0
    for mark in sorted(marks, key=lambda m: m.start):
        if mark.start > at:
            pieces.append(Piece(text[at:mark.start]))
        pieces.append(Piece(text[mark.start:mark.end], mark.kind))
        at = mark.end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces


def rank_suggestions(segments: Sequence[str], exact: Iterable[tuple[str, str, str]],
                     human: Iterable[tuple[str, str, str]], current: Iterable[str] = ()
                     ) -> list[Suggestion]:
    """Memory wordings for ``segments``: exact entries ``(source, target, origin)`` first
    (people's before the machine's), then near matches among people's entries; wordings the
    text already has are left out."""
    have = {" ".join(text.split()) for text in current}
    wanted = [s for s in dict.fromkeys(segments) if s.strip()]
    found: dict[str, Suggestion] = {}
    for source, target, origin in exact:
        if source in wanted and " ".join(target.split()) not in have:
            found.setdefault(target, Suggestion(source, target, origin, 1.0))
    for source, target, origin in human:
        if target in found or " ".join(target.split()) in have:
            continue
        best = 0.0
        for segment in wanted:
            matcher = SequenceMatcher(None, segment, source, autojunk=False)
            if matcher.real_quick_ratio() >= NEAR_MATCH_RATIO and \
                    matcher.quick_ratio() >= NEAR_MATCH_RATIO:
                best = max(best, matcher.ratio())
        if best >= NEAR_MATCH_RATIO:
            found[target] = Suggestion(source, target, origin, round(best, 2))
    human_first = {"approved": 0, "reviewed": 1}
    ranked = sorted(found.values(), key=lambda s: (-s.score, human_first.get(s.origin, 2)))
    return ranked[:MAX_SUGGESTIONS]


__all__ = ["Mark", "Piece", "Suggestion", "TermCheck", "check_terms", "find_marks",
           "mark_numbers", "mark_unknown", "rank_suggestions", "split_marked"]
