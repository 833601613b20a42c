"""The translation memory in the database (the Protocol is ``pipeline.translate.memory``).

Segments are found by the SHA-256 of their text, so long paragraphs index cheaply. A
translation only replaces one of the same or lower rank: machine < reviewed < approved
(:func:`pipeline.states.may_replace`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from pipeline.states import TextState, may_replace
from pipeline.store.models import TranslationMemory as MemoryRow

_LOOKUP_CHUNK = 500


def hash_segment(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SqlTranslationMemory:
    """Looks up and remembers segments in the ``translation_memory`` table of a session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.lookups = 0

    def lookup(self, src_lang: str, tgt_lang: str, segments: Sequence[str]) -> dict[str, str]:
        self.lookups += 1
        by_hash = {hash_segment(s): s for s in segments}
        found: dict[str, str] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), _LOOKUP_CHUNK):
            chunk = hashes[start:start + _LOOKUP_CHUNK]
            rows = self.session.execute(
                select(MemoryRow.source_hash, MemoryRow.source_text, MemoryRow.target_text)
                .where(MemoryRow.source_lang == src_lang, MemoryRow.target_lang == tgt_lang,
                       MemoryRow.source_hash.in_(chunk)))
            for source_hash, source_text, target_text in rows:
                if by_hash[source_hash] == source_text:
                    found[source_text] = target_text
        return found

    def remember(self, src_lang: str, tgt_lang: str, pairs: Iterable[tuple[str, str]],
                 origin: str, engine: str | None) -> None:
        wanted = {hash_segment(s): (s, t) for s, t in pairs if s.strip() and t.strip()}
        if not wanted:
            return
        existing = {row.source_hash: row for row in self.session.scalars(
            select(MemoryRow).where(
                tuple_(MemoryRow.source_lang, MemoryRow.target_lang).in_([(src_lang, tgt_lang)]),
                MemoryRow.source_hash.in_(list(wanted))))}
        now_at = datetime.now(UTC)
        for source_hash, (source, target) in wanted.items():
            row = existing.get(source_hash)
            if row is None:
                self.session.add(MemoryRow(
                    source_lang=src_lang, target_lang=tgt_lang, source_hash=source_hash,
                    source_text=source, target_text=target, origin=TextState(origin),
                    engine=engine,
                    created_at=now_at))
            elif may_replace(origin, row.origin):
                row.target_text, row.origin, row.engine = target, TextState(origin), engine
                row.created_at = now_at
        self.session.flush()

    def export_entries(self) -> list[tuple[str, str, str, str]]:
        rows = self.session.execute(select(
            MemoryRow.source_lang, MemoryRow.target_lang, MemoryRow.source_text,
            MemoryRow.target_text).order_by(MemoryRow.source_lang, MemoryRow.target_lang,
                                             MemoryRow.source_text))
        return [tuple(r) for r in rows]  # type: ignore[misc]
