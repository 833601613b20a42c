"""Reads of the translation review: an edition's texts with their states and flags, one
item's texts in full, and what the translation memory holds for its segments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.states import TextState
from pipeline.store.memory import hash_segment
from pipeline.store.models import Item, ItemText, Source
from pipeline.store.models import TranslationMemory as MemoryRow
from pipeline.store.texts import LOOKUP_CHUNK


@dataclass(frozen=True, slots=True)
class TextFacts:
    """One text as the review list shows it (no body)."""

    item_id: int
    lang: str
    title: str
    summary: str
    state: TextState
    flags: tuple[str, ...]
    version: int
    engine: str | None


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """Where an item comes from."""

    id: int
    url: str
    source_name: str
    original_lang: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    source_text: str
    target_text: str
    origin: TextState
    engine: str | None
    created_at: datetime


def load_text_facts(session: Session, item_ids: Sequence[int]
                    ) -> dict[int, dict[str, TextFacts]]:
    """States, flags and versions of every text of these items, by item and language."""
    found: dict[int, dict[str, TextFacts]] = defaultdict(dict)
    for start in range(0, len(item_ids), LOOKUP_CHUNK):
        chunk = list(item_ids[start:start + LOOKUP_CHUNK])
        for row in session.execute(
                select(ItemText.item_id, ItemText.lang, ItemText.title, ItemText.summary,
                       ItemText.state, ItemText.flags, ItemText.version, ItemText.engine)
                .where(ItemText.item_id.in_(chunk))):
            found[row.item_id][row.lang] = TextFacts(
                row.item_id, row.lang, row.title, row.summary, TextState(row.state),
                tuple(row.flags or ()), row.version, row.engine)
    return found


def load_item_texts(session: Session, item_id: int) -> dict[str, ItemText]:
    """Every text of one item (full rows, bodies included), by language."""
    rows = session.scalars(select(ItemText).where(ItemText.item_id == item_id))
    return {row.lang: row for row in rows}


def load_item_facts(session: Session, item_id: int) -> ItemFacts | None:
    row = session.execute(
        select(Item.id, Item.url, Item.original_lang, Item.published_at, Item.publisher,
               Source.name).outerjoin(Source, Source.id == Item.source_id)
        .where(Item.id == item_id)).first()
    if row is None:
        return None
    return ItemFacts(row.id, row.url, row.publisher or row.name or "", row.original_lang,
                     row.published_at)


def find_memory_entries(session: Session, source_lang: str, target_lang: str,
                        segments: Sequence[str]) -> list[MemoryEntry]:
    """The memory's entries for exactly these segments (any origin)."""
    by_hash = {hash_segment(s): s for s in segments if s.strip()}
    if not by_hash:
        return []
    rows = session.execute(
        select(MemoryRow.source_text, MemoryRow.target_text, MemoryRow.origin,
               MemoryRow.engine, MemoryRow.created_at)
        .where(MemoryRow.source_lang == source_lang, MemoryRow.target_lang == target_lang,
               MemoryRow.source_hash.in_(list(by_hash))))
    return [MemoryEntry(r.source_text, r.target_text, TextState(r.origin), r.engine,
                        r.created_at) for r in rows if r.source_text in by_hash.values()]


def recent_human_entries(session: Session, source_lang: str, target_lang: str, *,
                         limit: int = 500) -> list[MemoryEntry]:
    """The latest wordings people gave for this pair (for near matches)."""
    rows = session.execute(
        select(MemoryRow.source_text, MemoryRow.target_text, MemoryRow.origin,
               MemoryRow.engine, MemoryRow.created_at)
        .where(MemoryRow.source_lang == source_lang, MemoryRow.target_lang == target_lang,
               MemoryRow.origin.in_([TextState.REVIEWED, TextState.APPROVED]))
        .order_by(MemoryRow.created_at.desc(), MemoryRow.id.desc()).limit(limit))
    return [MemoryEntry(r.source_text, r.target_text, TextState(r.origin), r.engine,
                        r.created_at) for r in rows]


__all__ = ["ItemFacts", "MemoryEntry", "TextFacts", "find_memory_entries", "load_item_facts",
           "load_item_texts", "load_text_facts", "recent_human_entries"]
