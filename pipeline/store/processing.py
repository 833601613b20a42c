"""Processing in the store: claiming new items with a lease (:mod:`pipeline.store.leases`),
storing the labels decided (an editor's correction wins), and finishing items. Texts per
language are :mod:`pipeline.store.texts`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.records import Classification as ClassificationRecord
from pipeline.states import ItemStatus
from pipeline.store import leases
from pipeline.store.audit import record_audit
from pipeline.store.models import Classification, Item, Source


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
    categories: Sequence[str] = ()
    """The feed's categories of the item."""


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item)
                          .where(Item.status == ItemStatus.NEW)) or 0


CLAIMABLE = (ItemStatus.NEW, ItemStatus.PROCESSING)
"""New items, and items in processing whose lease expired (their processor died)."""


def claim_pending(session: Session, limit: int, *, owner: str, lease_seconds: float,
                  now_at: datetime | None = None) -> list[PendingItem]:
    """Take up to ``limit`` items for ``owner`` (status ``processing``, with a lease), so that
    two processors running at once never work on the same item, and an item whose processor
    died is taken over as soon as its lease expires."""
    ids = leases.claim(session, Item, owner=owner, lease_seconds=lease_seconds, limit=limit,
                       where=Item.status.in_(CLAIMABLE),
                       values={"status": ItemStatus.PROCESSING}, now_at=now_at)
    if not ids:
        return []
    rows = session.execute(
        select(Item.id, Item.source_id, Item.title, Item.summary, Item.body, Item.lang_hint,
               Source.lang, Item.categories)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.id.in_(ids)).order_by(Item.id))
    return [PendingItem(*row) for row in rows]


def held_items(session: Session, item_ids: Sequence[int], *, owner: str) -> set[int]:
    """Which of ``item_ids`` ``owner`` still holds: results for the others are not stored
    (their lease expired and another processor took them over)."""
    return leases.held_ids(session, Item, owner=owner, ids=list(item_ids))


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


def finish_items(session: Session, item_ids: Sequence[int], *, owner: str,
                 status: ItemStatus = ItemStatus.PROCESSED) -> int:
    """Release ``owner``'s leases on these items, which reached ``status``."""
    return leases.release(session, Item, owner=owner, ids=list(item_ids),
                          values={"status": status, "updated_at": datetime.now(UTC)})


def mark_item_failed(session: Session, item_id: int, error: str, *, owner: str) -> None:
    """Keep the item (never lost) with its error; it is not retried until it changes."""
    item = session.get(Item, item_id)
    if item is None or item.claimed_by != owner:
        return
    item.warnings = [*(item.warnings or []), error[:500]]
    session.flush()
    finish_items(session, [item_id], owner=owner, status=ItemStatus.FAILED)


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
