"""Recent items as the taxonomy and glossary pages' previews read them: what an edit would
change is shown on the items collected lately."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.states import ItemStatus
from pipeline.store.models import Classification, Item, Source
from pipeline.store.processing import PendingItem

PREVIEWED = (ItemStatus.PROCESSED, ItemStatus.PUBLISHED, ItemStatus.NEW)


def load_recent_items(session: Session, *, since_at: datetime, limit: int
                      ) -> list[tuple[PendingItem, str | None]]:
    """The newest items collected since ``since_at`` (at most ``limit``), as processing
    reads them, with the language their classification found (None before processing)."""
    rows = session.execute(
        select(Item.id, Item.source_id, Item.title, Item.summary, Item.body, Item.lang_hint,
               Source.lang, Item.categories, Classification.lang)
        .outerjoin(Source, Source.id == Item.source_id)
        .outerjoin(Classification, Classification.item_id == Item.id)
        .where(Item.fetched_at >= since_at, Item.status.in_(PREVIEWED))
        .order_by(func.coalesce(Item.published_at, Item.fetched_at).desc(), Item.id.desc())
        .limit(limit))
    return [(PendingItem(*row[:8]), row[8]) for row in rows]


__all__ = ["load_recent_items"]
