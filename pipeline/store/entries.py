"""Where each item sits in an edition: ``edition_items`` rows (section, position), the one
record of an edition's entries. The edition editor's moves change only these rows; texts are
``item_texts`` (:mod:`pipeline.store.texts`), what the team writes is
:mod:`pipeline.store.blocks`. Rights and the edition's status are checked by the jobs
(:mod:`pipeline.jobs.editor`); every change here is audited.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.states import EditionStatus, ItemOrigin, ItemStatus, TextState
from pipeline.store.audit import record_audit
from pipeline.store.models import Edition, EditionItem, Item, ItemText

OPEN_STATUSES = (EditionStatus.DRAFT, EditionStatus.IN_REVIEW, EditionStatus.APPROVED)
"""Editions whose content may still change (an approved one goes back to review)."""


@dataclass(frozen=True, slots=True)
class Placement:
    item_id: int
    section: str
    position: int


def load_placements(session: Session, edition_id: int) -> list[Placement]:
    """Every entry of the edition, by section then position."""
    return [Placement(item_id, section, position) for item_id, section, position in
            session.execute(select(EditionItem.item_id, EditionItem.section,
                                   EditionItem.position)
                            .where(EditionItem.edition_id == edition_id)
                            .order_by(EditionItem.section, EditionItem.position,
                                      EditionItem.id))]


def open_editions_holding(session: Session, item_ids: Sequence[int]) -> list[int]:
    """Ids of the editions, still open to changes, that hold any of these items."""
    if not item_ids:
        return []
    return sorted(set(session.scalars(
        select(EditionItem.edition_id).join(Edition, Edition.id == EditionItem.edition_id)
        .where(EditionItem.item_id.in_(list(item_ids)), Edition.status.in_(OPEN_STATUSES)))))


def _rows(session: Session, edition_id: int) -> dict[str, list[EditionItem]]:
    by_section: dict[str, list[EditionItem]] = {}
    for row in session.scalars(select(EditionItem).where(EditionItem.edition_id == edition_id)
                               .order_by(EditionItem.position, EditionItem.id)):
        by_section.setdefault(row.section, []).append(row)
    return by_section


def _renumber(rows: list[EditionItem], section: str) -> None:
    for position, row in enumerate(rows):
        if row.position != position or row.section != section:
            row.position, row.section = position, section


def place_item(session: Session, edition_id: int, item_id: int, section: str, index: int, *,
               by: str) -> bool:
    """Add an item to the edition at ``index`` of ``section`` (clamped); False when the
    edition already holds it."""
    by_section = _rows(session, edition_id)
    if any(row.item_id == item_id for rows in by_section.values() for row in rows):
        return False
    row = EditionItem(edition_id=edition_id, item_id=item_id, section=section, position=0)
    session.add(row)
    rows = by_section.setdefault(section, [])
    rows.insert(max(0, min(index, len(rows))), row)
    _renumber(rows, section)
    record_audit(session, by, "entry.added", f"edition:{edition_id}", item=item_id,
                 section=section, position=rows.index(row))
    return True


def move_item(session: Session, edition_id: int, item_id: int, section: str, index: int, *,
              by: str) -> Placement | None:
    """Put an entry at ``index`` (clamped) of ``section``, closing the gap it leaves; None when
    the edition does not hold the item."""
    by_section = _rows(session, edition_id)
    found = next(((name, row) for name, rows in by_section.items() for row in rows
                  if row.item_id == item_id), None)
    if found is None:
        return None
    before, row = found
    from_index = by_section[before].index(row)
    by_section[before].remove(row)
    _renumber(by_section[before], before)
    rows = by_section.setdefault(section, [])
    index = max(0, min(index, len(rows)))
    rows.insert(index, row)
    _renumber(rows, section)
    if (before, from_index) != (section, index):
        record_audit(session, by, "entry.moved", f"edition:{edition_id}", item=item_id,
                     before={"section": before, "position": from_index},
                     after={"section": section, "position": index})
    return Placement(item_id, section, index)


def remove_item(session: Session, edition_id: int, item_id: int, *, by: str
                ) -> Placement | None:
    """Take an entry out of the edition (the item goes back to the inbox); None when the
    edition does not hold it."""
    by_section = _rows(session, edition_id)
    for section, rows in by_section.items():
        for position, row in enumerate(rows):
            if row.item_id == item_id:
                session.delete(row)
                rows.remove(row)
                _renumber(rows, section)
                record_audit(session, by, "entry.removed", f"edition:{edition_id}",
                             item=item_id, section=section, position=position)
                return Placement(item_id, section, position)
    return None


def add_written_item(session: Session, *, by: str, lang: str, title: str, summary: str,
                     url: str, source_name: str) -> Item:
    """An item the team writes (a success story, a practical sheet): stored as ``written``
    and ``new``, so that processing translates it; the writer's text is ``reviewed``."""
    now_at = datetime.now(UTC)
    digest = hashlib.sha256(f"{title}\n{summary}\n{url}".encode()).hexdigest()
    item = Item(url=url, canonical_url=f"written:{uuid.uuid4().hex}",
                content_hash=f"sha256:{digest}", title=title, summary=summary, body="",
                publisher=source_name or None, lang_hint=lang, original_lang=lang,
                fetched_at=now_at, status=ItemStatus.NEW, origin=ItemOrigin.WRITTEN,
                warnings=[], updated_at=now_at)
    session.add(item)
    session.flush()
    session.add(ItemText(item_id=item.id, lang=lang, title=title, summary=summary, body="",
                         state=TextState.REVIEWED, flags=[], edited_by=by, edited_at=now_at,
                         reviewed_by=by, reviewed_at=now_at, created_at=now_at))
    record_audit(session, by, "item.written", f"item:{item.id}", lang=lang)
    return item


__all__ = ["OPEN_STATUSES", "Placement", "add_written_item", "load_placements",
           "move_item", "open_editions_holding", "place_item", "remove_item"]
