"""What the inbox reads: the candidate items of a publication's next edition, filtered and
ordered (from allowlists only), the near misses, one item with its evidence.

The inbox's tabs (:data:`TABS`): ``pending`` (relevant, not yet in the edition, nor another
report of a story it holds: that one shows there as "also in"), ``accepted`` (in the
edition), ``near`` (the classifier said no, within its "to check" band of the threshold, and
nobody has decided), ``rejected`` (an editor said not relevant). Items of an edition already
sent are never candidates again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from pipeline.states import EditionStatus, TextState
from pipeline.store.candidates import DRAFTABLE
from pipeline.store.entries import OPEN_STATUSES
from pipeline.store.models import Classification, Edition, EditionItem, Item, ItemText, Source
from pipeline.store.texts import load_texts

TABS = ("pending", "accepted", "near", "rejected")
SORTS = ("newest", "oldest", "score", "source", "title")
"""Orderings offered; anything else is refused by the caller (never put into SQL)."""
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """One view of the inbox. Values must come from allowlists (themes, regions, languages,
    known sources, :data:`TABS`, :data:`SORTS`); ``text`` is searched literally."""

    since_at: datetime
    until_at: datetime
    edition_id: int | None = None
    tab: str = "pending"
    theme: str = ""
    region: str = ""
    lang: str = ""
    source: str = ""
    text: str = ""
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True, slots=True)
class InboxRow:
    item_id: int
    title: str
    url: str
    source_id: str | None
    source_name: str
    lang: str
    published_at: datetime | None
    fetched_at: datetime
    relevant: bool
    score: float
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    evidence: dict[str, Any]
    corrected_by: str | None
    fallback: str | None
    text_states: dict[str, TextState] = field(default_factory=dict)


def find_open_edition(session: Session, kind: str) -> Edition | None:
    """The newest edition of ``kind`` still open to changes: where accepted items go."""
    return session.scalar(select(Edition).where(Edition.kind == kind,
                                                Edition.status.in_(OPEN_STATUSES))
                          .order_by(Edition.period_end_at.desc(), Edition.id.desc()).limit(1))


def _dated() -> Any:
    return func.coalesce(Item.published_at, Item.fetched_at)


def _to_check() -> ColumnElement[bool]:
    return Classification.evidence[("relevance", "to_check")].as_boolean()


def _sent_items() -> Select[Any]:
    return (select(EditionItem.item_id).join(Edition, Edition.id == EditionItem.edition_id)
            .where(Edition.status == EditionStatus.SENT))


def _in_edition(edition_id: int | None) -> ColumnElement[bool]:
    if edition_id is None:
        return false()
    return Item.id.in_(select(EditionItem.item_id).where(EditionItem.edition_id == edition_id))


def _story_in_edition(edition_id: int | None) -> ColumnElement[bool]:
    """Another report of a story the edition holds (shown there as "also in")."""
    if edition_id is None:
        return false()
    held = (select(Item.story_id).join(EditionItem, EditionItem.item_id == Item.id)
            .where(EditionItem.edition_id == edition_id, Item.story_id.is_not(None)))
    return and_(Item.story_id.is_not(None), Item.story_id.in_(held))


def _tab_clause(tab: str, edition_id: int | None) -> ColumnElement[bool]:
    unsent = Item.id.not_in(_sent_items())
    if tab == "accepted":
        return _in_edition(edition_id)
    if tab == "rejected":
        return and_(Classification.relevant.is_(False), Classification.corrected_by.is_not(None))
    if tab == "near":
        return and_(Classification.relevant.is_(False), Classification.corrected_by.is_(None),
                    _to_check(), unsent, ~_in_edition(edition_id))
    return and_(Classification.relevant.is_(True), unsent, ~_in_edition(edition_id),
                ~_story_in_edition(edition_id))


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(query: InboxQuery) -> list[ColumnElement[bool]]:
    """The query's filters as SQL: values are bound parameters; themes and regions (JSON
    lists) are matched as their quoted JSON string, which only allowlisted ids can be."""
    clauses: list[ColumnElement[bool]] = [
        Item.status.in_(DRAFTABLE), _dated() >= query.since_at, _dated() < query.until_at]
    if query.theme:
        clauses.append(cast(Classification.themes, Text).like(
            _like(f'"{query.theme}"'), escape="\\"))
    if query.region:
        clauses.append(cast(Classification.regions, Text).like(
            _like(f'"{query.region}"'), escape="\\"))
    if query.lang:
        clauses.append(Classification.lang == query.lang)
    if query.source:
        clauses.append(Item.source_id == query.source)
    if query.text:
        clauses.append(Item.title.ilike(_like(query.text), escape="\\"))
    return clauses


def _ordering(sort: str) -> list[Any]:
    name = func.coalesce(Item.publisher, Source.name, "")
    return {
        "newest": [_dated().desc(), Item.id.desc()],
        "oldest": [_dated().asc(), Item.id.asc()],
        "score": [Classification.relevance_score.desc(), Item.id.desc()],
        "source": [func.lower(name), _dated().desc(), Item.id.desc()],
        "title": [func.lower(Item.title), Item.id],
    }[sort]


def list_inbox(session: Session, query: InboxQuery, *, page_size: int = PAGE_SIZE
               ) -> list[InboxRow]:
    """One page of the inbox's tab, in the query's order."""
    rows = session.execute(
        select(Item.id, Item.title, Item.url, Item.source_id, Item.publisher, Source.name,
               Classification.lang, Item.published_at, Item.fetched_at,
               Classification.relevant, Classification.relevance_score, Classification.themes,
               Classification.regions, Classification.evidence, Classification.corrected_by,
               Item.fallback)
        .join(Classification, Classification.item_id == Item.id)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(_tab_clause(query.tab, query.edition_id), *_filters(query))
        .order_by(*_ordering(query.sort))
        .limit(page_size).offset((max(query.page, 1) - 1) * page_size)).all()
    texts = load_texts(session, [row.id for row in rows])
    return [InboxRow(
        item_id=row.id, title=row.title, url=row.url, source_id=row.source_id,
        source_name=row.publisher or row.name or "", lang=row.lang, published_at=row.published_at,
        fetched_at=row.fetched_at, relevant=row.relevant, score=row.relevance_score,
        themes=tuple(row.themes or ()), regions=tuple(row.regions or ()),
        evidence=dict(row.evidence or {}), corrected_by=row.corrected_by, fallback=row.fallback,
        text_states={lang: text.origin for lang, text in texts.get(row.id, {}).items()})
        for row in rows]


def count_inbox(session: Session, query: InboxQuery) -> dict[str, int]:
    """How many items each tab holds under the query's filters."""
    counts = {}
    for tab in TABS:
        counts[tab] = session.scalar(
            select(func.count()).select_from(Item)
            .join(Classification, Classification.item_id == Item.id)
            .where(_tab_clause(tab, query.edition_id), *_filters(query))) or 0
    return counts


def list_sources(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every source, by name: the inbox's source filter."""
    return [(row.id, row.name) for row in session.execute(
        select(Source.id, Source.name).order_by(func.lower(Source.name), Source.id))]


@dataclass(frozen=True, slots=True)
class Labels:
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    corrected_by: str | None
    evidence: dict[str, Any]


def load_labels(session: Session, item_ids: Sequence[int]) -> dict[int, Labels]:
    return {row.item_id: Labels(row.relevant, tuple(row.themes or ()), tuple(row.regions or ()),
                                row.corrected_by, dict(row.evidence or {}))
            for row in session.scalars(select(Classification)
                                       .where(Classification.item_id.in_(list(item_ids))))}


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """One item as its inbox page shows it."""

    item: Item
    source_name: str
    classification: Classification | None
    texts: list[ItemText]
    editions: list[tuple[Edition, str]]
    """The editions holding the item, with its section in each."""


def load_item_detail(session: Session, item_id: int) -> ItemDetail | None:
    item = session.get(Item, item_id)
    if item is None:
        return None
    source = session.get(Source, item.source_id) if item.source_id else None
    texts = list(session.scalars(select(ItemText).where(ItemText.item_id == item_id)
                                 .order_by(ItemText.lang)))
    editions = [(edition, section) for edition, section in session.execute(
        select(Edition, EditionItem.section).join(EditionItem, EditionItem.edition_id == Edition.id)
        .where(EditionItem.item_id == item_id).order_by(Edition.id.desc()))]
    return ItemDetail(item, item.publisher or (source.name if source else ""),
                      session.get(Classification, item_id), texts, editions)


__all__ = ["PAGE_SIZE", "SORTS", "TABS", "InboxQuery", "InboxRow", "ItemDetail", "Labels",
           "count_inbox", "find_open_edition", "list_inbox", "list_sources", "load_item_detail",
           "load_labels"]
