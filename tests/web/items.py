"""The items of the test site's editions in the store (items, their texts in each language
with their states, and the draft Press Review's entries), so that the rooms that read the
store (translation review, approval) have something real to show."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pipeline.draft import Candidate
from pipeline.states import ItemStatus, TextState
from pipeline.store.models import Edition, EditionItem, Item, ItemText


def store_items(db: Session, candidates: list[Candidate], edition: Edition) -> None:
    """Every candidate as a stored item with its texts; the draft's entries as its items."""
    now_at = datetime.now(UTC)
    for candidate in candidates:
        digest = hashlib.sha256(candidate.url.encode()).hexdigest()
        db.add(Item(id=int(candidate.item_id), url=candidate.url,
                    canonical_url=f"{candidate.url}#{candidate.item_id}",
                    content_hash=f"sha256:{digest}", title=candidate.texts[
                        candidate.original_lang].title, fetched_at=now_at,
                    original_lang=candidate.original_lang, published_at=candidate.published_at,
                    publisher=candidate.source_name, status=ItemStatus.PROCESSED))
    db.flush()
    for candidate in candidates:
        for lang, text in candidate.texts.items():
            db.add(ItemText(item_id=int(candidate.item_id), lang=lang, title=text.title,
                            summary=text.summary, state=TextState(text.origin),
                            engine="apertium 3.9" if text.origin == "machine" else None,
                            flags=[],
                            created_at=now_at))
    db.flush()
    from pipeline.draft import plan_from_json

    assert edition.plan is not None
    plan = plan_from_json(edition.plan)
    for section in plan.sections:
        for position, entry in enumerate(section.entries):
            db.add(EditionItem(edition_id=edition.id, item_id=int(entry.item_id),
                               section=section.id, position=position))
