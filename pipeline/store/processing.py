"""Storing what processing decided: classifications (corrections win) and texts per language
(a person's edit or approval is never overwritten by the machine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.records import Classification as ClassificationRecord
from pipeline.records import ItemText as ItemTextRecord
from pipeline.store.audit import record_audit
from pipeline.store.models import Classification, Item, ItemText, Source

HUMAN_ORIGINS = frozenset({"edited", "approved"})


@dataclass(frozen=True, slots=True)
class PendingItem:
    """An item waiting for classification and translation, with its source's defaults."""

    id: int
    source_id: str | None
    title: str
    summary: str
    body: str
    lang_hint: str | None
    source_lang: str | None


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item).where(Item.status == "new")) or 0


CLAIM_TIMEOUT = timedelta(hours=1)
"""A claimed item whose processor vanished (killed, crashed) is claimed again after this."""


def claim_pending(session: Session, limit: int, now_at: datetime) -> list[PendingItem]:
    """Take up to ``limit`` new items for this process (status ``processing``), so that two
    processors running at once never work on the same item. PostgreSQL skips rows another
    transaction holds; SQLite's write lock (BEGIN IMMEDIATE) serialises the claims."""
    stale = and_(Item.status == "processing", Item.updated_at < now_at - CLAIM_TIMEOUT)
    ids = list(session.scalars(
        select(Item.id).where(or_(Item.status == "new", stale)).order_by(Item.id)
        .limit(limit).with_for_update(skip_locked=True)))
    if not ids:
        return []
    session.execute(update(Item).where(Item.id.in_(ids))
                    .values(status="processing", updated_at=now_at))
    rows = session.execute(
        select(Item.id, Item.source_id, Item.title, Item.summary, Item.body, Item.lang_hint,
               Source.lang)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.id.in_(ids)).order_by(Item.id))
    return [PendingItem(*row) for row in rows]


def save_classification(session: Session, item_id: int,
                        result: ClassificationRecord) -> bool:
    """Store the machine's labels unless an editor corrected this item; True when stored."""
    row = session.get(Classification, item_id)
    now_at = datetime.now(UTC)
    if row is not None and row.corrected_by:
        return False
    if row is None:
        row = Classification(item_id=item_id)
        session.add(row)
    row.lang = result.lang
    row.relevant = result.relevant
    row.relevance_score = result.relevance_score
    row.themes = list(result.themes)
    row.regions = list(result.regions)
    row.evidence = dict(result.evidence)
    row.classified_at = now_at
    item = session.get(Item, item_id)
    if item is not None:
        item.original_lang = result.lang
    return True


def correct_classification(session: Session, item_id: int, *, by: str, relevant: bool,
                           themes: Sequence[str], regions: Sequence[str]) -> Classification:
    """An editor's labels: kept for ever (the machine never relabels), audited."""
    row = session.get(Classification, item_id)
    if row is None:
        row = Classification(item_id=item_id, lang="und", evidence={})
        session.add(row)
    before = {"relevant": row.relevant, "themes": list(row.themes or []),
              "regions": list(row.regions or [])}
    row.relevant, row.themes, row.regions = relevant, list(themes), list(regions)
    row.corrected_by, row.corrected_at = by, datetime.now(UTC)
    record_audit(session, by, "classification.corrected", f"item:{item_id}", before=before,
                 after={"relevant": relevant, "themes": list(themes), "regions": list(regions)})
    return row


def save_item_text(session: Session, item_id: int, text: ItemTextRecord) -> bool:
    """Store a text in one language; a person's edited or approved text is never replaced by
    a machine's. True when stored."""
    row = session.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                                ItemText.lang == text.lang))
    if row is not None and row.origin in HUMAN_ORIGINS and text.origin not in HUMAN_ORIGINS:
        return False
    if row is None:
        row = ItemText(item_id=item_id, lang=text.lang)
        session.add(row)
    row.title, row.summary, row.body = text.title, text.summary, text.body
    row.origin, row.engine, row.flags = text.origin, text.engine, list(text.flags)
    return True


def edit_item_text(session: Session, item_id: int, lang: str, *, by: str, title: str,
                   summary: str) -> ItemText:
    row = session.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                                ItemText.lang == lang))
    if row is None:
        row = ItemText(item_id=item_id, lang=lang, body="")
        session.add(row)
    row.title, row.summary = title, summary
    row.origin, row.flags = "edited", []
    row.edited_by, row.edited_at = by, datetime.now(UTC)
    record_audit(session, by, "text.edited", f"item:{item_id}:{lang}")
    return row


def mark_items(session: Session, item_ids: Sequence[int], status: str) -> None:
    for item in session.scalars(select(Item).where(Item.id.in_(item_ids))):
        item.status = status
        item.updated_at = datetime.now(UTC)


def mark_item_failed(session: Session, item_id: int, error: str) -> None:
    """Keep the item (never lost) with its error; it is not retried until it changes."""
    item = session.get(Item, item_id)
    if item is None:
        return
    item.status = "failed"
    item.warnings = [*(item.warnings or []), error[:500]]
    item.updated_at = datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CorrectedItem:
    """An item whose labels an editor corrected: a training example for the relevance model."""

    id: int
    title: str
    text: str
    relevant: bool
    lang: str | None


def load_corrections(session: Session) -> list[CorrectedItem]:
    """Items whose classification has ``corrected_by`` set, with their corrected relevance."""
    rows = session.execute(
        select(Item.id, Item.title, Item.body, Item.summary, Classification.relevant,
               Classification.lang)
        .join(Classification, Classification.item_id == Item.id)
        .where(Classification.corrected_by.is_not(None))
        .order_by(Item.id))
    return [CorrectedItem(item_id, title or "", body or summary or "", bool(relevant), lang)
            for item_id, title, body, summary, relevant, lang in rows]
