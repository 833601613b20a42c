"""The translation review: an edition's texts, worst first, and one item side by side
(original | FR | EN | ES) with its quality flags, the suspicious words marked, the glossary
terms of its segments and the translation memory's suggestions.

Saving a wording and changing a text's state are :mod:`pipeline.jobs.texts` (the version the
person saw travels with each change; a stale one is refused); here the item must belong to
the edition whose review the person is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.draft import EditionPlan
from pipeline.errors import ConfigError, EditionError
from pipeline.jobs.editions import current_plan
from pipeline.jobs.texts import edit_text, mark_text
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.states import TextState
from pipeline.store.editions import get_edition
from pipeline.store.models import Edition, ItemText
from pipeline.store.review import (
    ItemFacts,
    TextFacts,
    find_memory_entries,
    load_item_facts,
    load_item_texts,
    load_text_facts,
    recent_human_entries,
)
from pipeline.translate import Glossary, load_glossary
from pipeline.translate.review import (
    Piece,
    Suggestion,
    TermCheck,
    find_marks,
    rank_suggestions,
    split_marked,
)
from pipeline.translate.segment import split_sentences

FLAG_WEIGHTS = {"engine_failed": 5, "needs_translation": 5, "wrong_language": 4,
                "numbers_changed": 3, "glossary_violation": 3, "unknown_words": 2,
                "markup_lost": 2, "length_ratio": 1}
STATE_WEIGHTS = {TextState.NEEDS_TRANSLATION: 10, TextState.NEEDS_EDITING: 6,
                 TextState.MACHINE: 1}


def text_score(facts: TextFacts | None) -> int:
    """How much a text needs a person: 0 for a person's or the original wording."""
    if facts is None:
        return STATE_WEIGHTS[TextState.NEEDS_TRANSLATION]
    if facts.state not in STATE_WEIGHTS:
        return 0
    return STATE_WEIGHTS[facts.state] + sum(FLAG_WEIGHTS.get(f, 1) for f in facts.flags)


@dataclass(frozen=True, slots=True)
class ReviewRow:
    item_id: int
    title: str
    original_lang: str
    source_name: str
    texts: Mapping[str, TextFacts | None]
    score: int

    @property
    def to_review(self) -> tuple[str, ...]:
        return tuple(lang for lang, facts in self.texts.items()
                     if facts is None or facts.state in STATE_WEIGHTS)


def review_rows(plan: EditionPlan, facts: Mapping[int, Mapping[str, TextFacts]]
                ) -> list[ReviewRow]:
    """Every item entry of the plan, the ones needing most work first (then plan order)."""
    rows = []
    for entry in plan.entries:
        if not entry.item_id.isdigit():
            continue
        item_id = int(entry.item_id)
        texts = facts.get(item_id, {})
        original = texts.get(entry.original_lang) or next(iter(texts.values()), None)
        by_lang = {lang: texts.get(lang) for lang in LANGUAGES}
        title = original.title if original else (entry.texts[entry.original_lang].title
                                                 if entry.original_lang in entry.texts
                                                 else entry.item_id)
        rows.append(ReviewRow(item_id, title, entry.original_lang, entry.source_name, by_lang,
                              sum(text_score(by_lang[lang]) for lang in LANGUAGES
                                  if lang != entry.original_lang)))
    order = {row.item_id: index for index, row in enumerate(rows)}
    return sorted(rows, key=lambda row: (-row.score, order[row.item_id]))


def load_review(app: App, actor: Actor, edition_id: int) -> tuple[Edition, list[ReviewRow]]:
    """The edition and its items' texts, worst first."""
    require(actor, Action.READ)
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        ids = [int(e.item_id) for e in plan.entries if e.item_id.isdigit()]
        return edition, review_rows(plan, load_text_facts(session, ids))


@dataclass(frozen=True, slots=True)
class LastChange:
    by: str | None
    """None: the machine (no person has touched the text)."""
    at: datetime | None


def last_change(row: ItemText) -> LastChange:
    """Who changed a text last, and when (the most recent human step, else its creation)."""
    steps = [(at, by) for at, by in ((row.edited_at, row.edited_by),
                                     (row.reviewed_at, row.reviewed_by),
                                     (row.approved_at, row.approved_by)) if at is not None]
    if not steps:
        return LastChange(None, row.created_at)
    at, by = max(steps, key=lambda step: step[0])
    return LastChange(by, at)


@dataclass(frozen=True, slots=True)
class LanguageReview:
    """One language column of the side-by-side review."""

    lang: str
    text: ItemText | None
    title: list[Piece]
    summary: list[Piece]
    terms: list[TermCheck]
    suggestions: list[Suggestion]
    changed: LastChange | None

    @property
    def state(self) -> str:
        return str(self.text.state) if self.text else str(TextState.NEEDS_TRANSLATION)

    @property
    def flags(self) -> tuple[str, ...]:
        if self.text is None or self.text.state not in STATE_WEIGHTS:
            return ()
        return tuple(self.text.flags or ())


@dataclass(frozen=True, slots=True)
class TextReview:
    edition: Edition
    item: ItemFacts
    original: ItemText | None
    languages: tuple[LanguageReview, ...]
    previous_id: int | None
    next_id: int | None
    position: int
    total: int


@lru_cache(maxsize=4)
def _glossary(path: str, mtime_ns: int) -> Glossary:
    return load_glossary(Path(path))


def team_glossary(path: Path) -> Glossary | None:
    """The glossary file, read again when it changes; None when it is missing or invalid
    (the review still works, without the glossary column)."""
    try:
        return _glossary(str(path), path.stat().st_mtime_ns)
    except (OSError, ConfigError):
        return None


def segments_of(text: str, lang: str) -> list[str]:
    return [text, *(p.text for p in split_sentences(text, lang) if p.text.strip())]


def review_language(session: Session, original: ItemText | None, text: ItemText | None,
                    lang: str, glossary: Glossary | None) -> LanguageReview:
    if text is None or original is None or original.lang == lang:
        title = [Piece(text.title)] if text else []
        summary = [Piece(text.summary)] if text else []
        return LanguageReview(lang, text, title, summary, [], [],
                              last_change(text) if text else None)
    flags = tuple(text.flags or ()) if text.state in STATE_WEIGHTS else ()
    unknown = tuple(text.unknown_words or ())
    title_marks, title_terms = find_marks(original.title, text.title, original.lang, lang,
                                          flags, glossary, unknown)
    summary_marks, summary_terms = find_marks(original.summary, text.summary, original.lang,
                                              lang, flags, glossary, unknown)
    terms = list({t.expected.lower(): t for t in [*title_terms, *summary_terms]}.values())
    segments = [*segments_of(original.title, original.lang),
                *segments_of(original.summary, original.lang)]
    exact = find_memory_entries(session, original.lang, lang, segments)
    human = recent_human_entries(session, original.lang, lang)
    suggestions = rank_suggestions(
        segments, [(e.source_text, e.target_text, str(e.origin)) for e in exact],
        [(e.source_text, e.target_text, str(e.origin)) for e in human],
        current=[text.title, text.summary, *segments_of(text.summary, lang)])
    return LanguageReview(lang, text, split_marked(text.title, title_marks),
                          split_marked(text.summary, summary_marks), terms, suggestions,
                          last_change(text))


def neighbours(rows: Sequence[ReviewRow], item_id: int) -> tuple[int | None, int | None, int]:
    ids = [row.item_id for row in rows]
    at = ids.index(item_id)
    return (ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None, at)


def load_text_review(app: App, actor: Actor, edition_id: int, item_id: int
                     ) -> TextReview | None:
    """One item of the edition side by side; None when the edition does not hold it."""
    require(actor, Action.READ)
    glossary = team_glossary(app.settings.glossary_path)
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        ids = [int(e.item_id) for e in plan.entries if e.item_id.isdigit()]
        item = load_item_facts(session, item_id) if item_id in ids else None
        if item is None:
            return None
        rows = review_rows(plan, load_text_facts(session, ids))
        texts = load_item_texts(session, item_id)
        original = next((t for t in texts.values() if t.state is TextState.ORIGINAL), None)
        languages = tuple(review_language(session, original, texts.get(lang), lang, glossary)
                          for lang in LANGUAGES)
        previous_id, next_id, position = neighbours(rows, item_id)
        return TextReview(edition, item, original, languages, previous_id, next_id,
                          position + 1, len(rows))


def holds_item(app: App, edition_id: int, item_id: int) -> bool:
    """Whether the edition (if there is one) holds the item."""
    try:
        with app.session(readonly=True) as session:
            plan = current_plan(session, get_edition(session, edition_id))
    except EditionError:
        return False
    return str(item_id) in {e.item_id for e in plan.entries}


def save_translation(app: App, actor: Actor, edition_id: int, item_id: int, lang: str, *,
                     title: str, summary: str, version: int | None) -> ItemText | None:
    """A person's wording of an item of this edition (None when the edition does not hold
    the item); :class:`~pipeline.errors.EditConflict` when someone changed it meanwhile."""
    require(actor, Action.EDIT)
    if lang not in LANGUAGES or not holds_item(app, edition_id, item_id):
        return None
    return edit_text(app, actor, item_id, lang, title=title, summary=summary, version=version)


def mark_translation(app: App, actor: Actor, edition_id: int, item_id: int, lang: str,
                     to: TextState, *, version: int | None) -> ItemText | None:
    """Change the state of a text of an item of this edition (None: not in the edition)."""
    require(actor, Action.READ)
    if lang not in LANGUAGES or not holds_item(app, edition_id, item_id):
        return None
    return mark_text(app, actor, item_id, lang, to, version=version)


__all__ = ["LanguageReview", "LastChange", "ReviewRow", "TextReview", "last_change",
           "load_review", "load_text_review", "mark_translation", "review_rows",
           "save_translation", "text_score"]
