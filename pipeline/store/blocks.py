"""What the team writes into an edition besides collected items: the editorial, key figures
and agenda entries (``edition_blocks``), with their words per language (``block_texts``).

Like item texts, every change of wording raises the text's ``version`` and a change made on
an older version is refused (:class:`~pipeline.errors.EditConflict`); the number, link, dates
and place of a block carry a ``version`` of their own. Rights and the edition's status are
checked by the jobs (:mod:`pipeline.jobs.editor`); every change here is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pipeline.errors import EditConflict, EditionError
from pipeline.states import BlockKind, TextState
from pipeline.store.audit import record_audit
from pipeline.store.models import BlockText, EditionBlock

FIELDS = ("value", "url", "source_name", "starts_at", "ends_at", "place")
"""A block's own fields (besides its words per language)."""


@dataclass(frozen=True, slots=True)
class StoredText:
    lang: str
    title: str
    summary: str
    state: TextState
    version: int
    edited_by: str | None = None
    edited_at: datetime | None = None
    engine: str | None = None


@dataclass(frozen=True, slots=True)
class StoredBlock:
    id: int
    kind: BlockKind
    position: int
    version: int
    ref: str | None = None
    value: float | None = None
    url: str = ""
    source_name: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    updated_by: str | None = None
    updated_at: datetime | None = None
    texts: Mapping[str, StoredText] = field(default_factory=dict)

    @property
    def record_id(self) -> str:
        """The id the plan gives it (what ``language_state`` lists): ``editorial``, an agenda
        entry's ``ref`` (its iCalendar UID), else ``block-N``."""
        if self.kind is BlockKind.EDITORIAL:
            return "editorial"
        if self.kind is BlockKind.EVENT and self.ref:
            return self.ref
        return f"block-{self.id}"


@dataclass(frozen=True, slots=True)
class NewText:
    title: str
    summary: str
    state: TextState = TextState.REVIEWED
    engine: str | None = None


def load_blocks(session: Session, edition_id: int) -> list[StoredBlock]:
    """Every block of the edition with its texts, by kind then position."""
    rows = list(session.scalars(select(EditionBlock).where(EditionBlock.edition_id == edition_id)
                                .order_by(EditionBlock.kind, EditionBlock.position,
                                          EditionBlock.id)))
    texts: dict[int, dict[str, StoredText]] = {row.id: {} for row in rows}
    if rows:
        for text in session.scalars(select(BlockText).where(BlockText.block_id.in_(list(texts)))):
            texts[text.block_id][text.lang] = StoredText(
                text.lang, text.title, text.summary, TextState(text.state), text.version,
                text.edited_by, text.edited_at, text.engine)
    return [StoredBlock(id=row.id, kind=BlockKind(row.kind), position=row.position,
                        version=row.version, ref=row.ref, value=row.value, url=row.url,
                        source_name=row.source_name, starts_at=row.starts_at,
                        ends_at=row.ends_at, place=row.place, updated_by=row.updated_by,
                        updated_at=row.updated_at, texts=texts[row.id]) for row in rows]


def get_block(session: Session, edition_id: int, block_id: int) -> EditionBlock:
    row = session.get(EditionBlock, block_id)
    if row is None or row.edition_id != edition_id:
        raise EditionError(f"edition {edition_id} has no block {block_id}")
    return row


def _siblings(session: Session, edition_id: int, kind: BlockKind) -> list[EditionBlock]:
    return list(session.scalars(select(EditionBlock).where(
        EditionBlock.edition_id == edition_id, EditionBlock.kind == kind)
        .order_by(EditionBlock.position, EditionBlock.id)))


def add_block(session: Session, edition_id: int, kind: BlockKind, *, by: str,
              texts: Mapping[str, NewText], ref: str | None = None, audit: bool = True,
              **fields: Any) -> EditionBlock:
    """A new block at the end of its kind's section, with its texts."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown block fields {sorted(unknown)}")
    now_at = datetime.now(UTC)
    position = len(_siblings(session, edition_id, kind))
    row = EditionBlock(edition_id=edition_id, kind=kind, position=position, ref=ref,
                       version=1, created_by=by, created_at=now_at, updated_by=by,
                       updated_at=now_at, **{"url": "", "source_name": "", "place": "",
                                             **fields})
    session.add(row)
    session.flush()
    for lang, text in texts.items():
        session.add(BlockText(block_id=row.id, lang=lang, title=text.title,
                              summary=text.summary, state=text.state, engine=text.engine,
                              edited_by=by if text.state is TextState.REVIEWED else None,
                              edited_at=now_at if text.state is TextState.REVIEWED else None))
    if audit:
        record_audit(session, by, "block.added", f"edition:{edition_id}", block=row.id,
                     kind=str(kind), langs=sorted(texts))
    return row


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def update_block(session: Session, row: EditionBlock, *, by: str, expected_version: int,
                 **fields: Any) -> bool:
    """Change a block's own fields; only the ones that differ are written, and only when
    nobody changed the block since ``expected_version`` (else :class:`EditConflict`).
    True when something changed."""
    changed = {name: value for name, value in fields.items()
               if name in FIELDS and getattr(row, name) != value}
    if not changed:
        return False
    if row.version != expected_version:
        raise EditConflict(f"block {row.id} was changed by {row.updated_by or 'someone'} "
                           "meanwhile: reload it")
    now_at = datetime.now(UTC)
    done = session.execute(
        update(EditionBlock).where(EditionBlock.id == row.id,
                                   EditionBlock.version == expected_version)
        .values(version=EditionBlock.version + 1, updated_by=by, updated_at=now_at, **changed)
        .execution_options(synchronize_session=False))
    if not done.rowcount:  # type: ignore[attr-defined]
        raise EditConflict(f"block {row.id} was changed by someone else meanwhile: reload it")
    before = {name: _jsonable(getattr(row, name)) for name in changed}
    session.refresh(row)
    record_audit(session, by, "block.changed", f"edition:{row.edition_id}", block=row.id,
                 before=before, after={k: _jsonable(v) for k, v in changed.items()})
    return True


def load_block_text(session: Session, block_id: int, lang: str) -> BlockText | None:
    return session.scalar(select(BlockText).where(BlockText.block_id == block_id,
                                                  BlockText.lang == lang))


def save_block_text(session: Session, row: EditionBlock, lang: str, *, by: str, title: str,
                    summary: str, expected_version: int | None) -> BlockText | None:
    """A person's wording of a block in ``lang`` (``reviewed`` by them). ``expected_version``
    is the version the person saw (None: they saw no text in this language); refused with
    :class:`EditConflict` when the stored one differs. None when nothing changed."""
    text = load_block_text(session, row.id, lang)
    if text is None:
        if expected_version is not None:
            raise EditConflict(f"block {row.id} ({lang}) was removed meanwhile: reload it")
        text = BlockText(block_id=row.id, lang=lang, title="", summary="", engine=None)
        session.add(text)
    elif text.version != expected_version:
        raise EditConflict(f"block {row.id} ({lang}) was changed by {text.edited_by or 'someone'}"
                           " meanwhile: reload it")
    elif (text.title, text.summary) == (title, summary) and text.state is TextState.REVIEWED:
        return None
    before = text.state
    text.title, text.summary, text.state = title, summary, TextState.REVIEWED
    text.edited_by, text.edited_at, text.engine = by, datetime.now(UTC), None
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"block {row.id} ({lang}) was changed by someone else meanwhile: "
                           "reload it") from None
    record_audit(session, by, "block.text_edited", f"edition:{row.edition_id}", block=row.id,
                 lang=lang, before=str(before) if before else None)
    return text


def remove_block(session: Session, row: EditionBlock, *, by: str) -> None:
    siblings = [b for b in _siblings(session, row.edition_id, BlockKind(row.kind))
                if b.id != row.id]
    session.delete(row)
    for position, sibling in enumerate(siblings):
        sibling.position = position
    record_audit(session, by, "block.removed", f"edition:{row.edition_id}", block=row.id,
                 kind=str(row.kind))


def move_block(session: Session, row: EditionBlock, index: int, *, by: str) -> int:
    """Put a block at ``index`` (clamped) among the blocks of its kind; returns the index."""
    siblings = _siblings(session, row.edition_id, BlockKind(row.kind))
    before = siblings.index(row)
    siblings.remove(row)
    index = max(0, min(index, len(siblings)))
    siblings.insert(index, row)
    for position, sibling in enumerate(siblings):
        sibling.position = position
    if index != before:
        record_audit(session, by, "block.moved", f"edition:{row.edition_id}", block=row.id,
                     before=before, after=index)
    return index


def find_editorial(session: Session, edition_id: int) -> EditionBlock | None:
    return next(iter(_siblings(session, edition_id, BlockKind.EDITORIAL)), None)


__all__ = ["FIELDS", "NewText", "StoredBlock", "StoredText", "add_block", "find_editorial",
           "get_block", "load_block_text", "load_blocks", "move_block", "remove_block",
           "save_block_text", "update_block"]
