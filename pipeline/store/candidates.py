"""What drafting reads: the processed items of a period, with their labels, texts and the
other items of their story."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pipeline.records import ItemText
from pipeline.states import ItemStatus
from pipeline.store.models import Classification, Item, Source
from pipeline.store.texts import load_texts

DRAFTABLE = (ItemStatus.PROCESSED, ItemStatus.PUBLISHED)


@dataclass(frozen=True, slots=True)
class StorySibling:
    """Another item of the same story."""

    item_id: int
    lang: str
    url: str
    publisher: str


@dataclass(frozen=True, slots=True)
class PeriodItem:
    """A processed item of the period, as drafting needs it."""

    item_id: int
    story_id: int | None
    source_id: str | None
    source_name: str
    """The outlet: the item's publisher when known, else its source's name."""
    url: str
    original_lang: str
    published_at: datetime | None
    fetched_at: datetime
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    texts: dict[str, ItemText] = field(default_factory=dict)
    siblings: tuple[StorySibling, ...] = ()
    """The story's other items in the period, by id."""


def load_candidates(session: Session, since_at: datetime, until_at: datetime
                    ) -> list[PeriodItem]:
    """The processed items of [since_at, until_at) (by publication date, or by collection
    date when the publication date is unknown) with their labels, texts and story siblings,
    by item id."""
    in_period = or_(
        and_(Item.published_at >= since_at, Item.published_at < until_at),
        and_(Item.published_at.is_(None), Item.fetched_at >= since_at,
             Item.fetched_at < until_at))
    rows = session.execute(
        select(Item.id, Item.story_id, Item.source_id, Item.publisher, Item.url,
               Item.original_lang, Item.published_at, Item.fetched_at, Classification.lang,
               Classification.relevant, Classification.themes, Classification.regions,
               Source.name)
        .join(Classification, Classification.item_id == Item.id)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.status.in_(DRAFTABLE), in_period).order_by(Item.id)).all()
    texts = load_texts(session, [row.id for row in rows])
    stories: dict[int, list[StorySibling]] = defaultdict(list)
    for row in rows:
        if row.story_id is not None:
            stories[row.story_id].append(StorySibling(
                row.id, row.original_lang or "und", row.url, row.publisher or ""))
    return [PeriodItem(
        item_id=row.id, story_id=row.story_id, source_id=row.source_id,
        source_name=row.publisher or row.name or "", url=row.url, original_lang=row.lang,
        published_at=row.published_at, fetched_at=row.fetched_at, relevant=row.relevant,
        themes=tuple(row.themes), regions=tuple(row.regions), texts=texts.get(row.id, {}),
        siblings=tuple(s for s in stories.get(row.story_id or -1, []) if s.item_id != row.id))
        for row in rows]


def load_items(session: Session, item_ids: Sequence[int]) -> dict[int, PeriodItem]:
    """These items (whatever their status and date) with their labels, texts and the other
    items of their story in other languages, by id: an edition's entries as they are now."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Item.id, Item.story_id, Item.source_id, Item.publisher, Item.url,
               Item.original_lang, Item.lang_hint, Item.published_at, Item.fetched_at,
               Classification.lang, Classification.relevant, Classification.themes,
               Classification.regions, Source.name)
        .outerjoin(Classification, Classification.item_id == Item.id)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.id.in_(list(item_ids))).order_by(Item.id)).all()
    texts = load_texts(session, [row.id for row in rows])
    story_ids = {row.story_id for row in rows if row.story_id is not None}
    stories: dict[int, list[StorySibling]] = defaultdict(list)
    if story_ids:
        for sibling_id, story_id, lang, url, publisher in session.execute(
                select(Item.id, Item.story_id, Item.original_lang, Item.url, Item.publisher)
                .where(Item.story_id.in_(story_ids)).order_by(Item.id)):
            stories[story_id or -1].append(StorySibling(sibling_id, lang or "und", url,
                                                        publisher or ""))
    found = {}
    for row in rows:
        lang = row.lang if row.lang and row.lang != "und" else (
            row.original_lang or row.lang_hint or "und")
        found[row.id] = PeriodItem(
            item_id=row.id, story_id=row.story_id, source_id=row.source_id,
            source_name=row.publisher or row.name or "", url=row.url, original_lang=lang,
            published_at=row.published_at, fetched_at=row.fetched_at,
            relevant=bool(row.relevant) if row.relevant is not None else True,
            themes=tuple(row.themes or ()), regions=tuple(row.regions or ()),
            texts=texts.get(row.id, {}),
            siblings=tuple(s for s in stories.get(row.story_id or -1, [])
                           if s.item_id != row.id))
    return found


__all__ = ["PeriodItem", "StorySibling", "load_candidates", "load_items"]
