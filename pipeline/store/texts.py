"""An item's texts, one per language, and their states.

::

    machine → needs_editing → reviewed → approved

A person's edit makes any text ``reviewed`` by them (an approved text edited again needs
approving again); a reviewer may skip steps forward, and send a text back to
``needs_editing`` (see :data:`TEXT_TRANSITIONS`). ``original`` is the item's own
language; ``needs_translation`` waits for a translator (an edit makes it ``reviewed``).
Each human step records who and when (``edited_by``, ``reviewed_by``, ``approved_by`` and
their ``*_at``). The machine never overwrites a text in a human state
(:data:`pipeline.states.HUMAN_TEXT_STATES`), and every change raises ``version``: a person's
change made on an older version than the stored one is refused
(:class:`~pipeline.errors.EditConflict`), so two reviewers never silently overwrite each
other. Rights are checked by the jobs (:mod:`pipeline.jobs.texts`), not here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pipeline.errors import EditConflict, EditionError
from pipeline.records import ItemText as ItemTextRecord
from pipeline.states import HUMAN_TEXT_STATES, TextState
from pipeline.store.audit import record_audit
from pipeline.store.models import ItemText

LOOKUP_CHUNK = 1000
"""Ids per IN (...) list: PostgreSQL takes at most 65,535 parameters in one statement."""


def load_texts(session: Session, item_ids: Sequence[int]
               ) -> dict[int, dict[str, ItemTextRecord]]:
    """Title, summary and state of every text of these items (bodies left out), by item id
    and language."""
    texts: dict[int, dict[str, ItemTextRecord]] = defaultdict(dict)
    for start in range(0, len(item_ids), LOOKUP_CHUNK):
        chunk = item_ids[start:start + LOOKUP_CHUNK]
        for item_id, lang, title, summary, state, engine in session.execute(
                select(ItemText.item_id, ItemText.lang, ItemText.title, ItemText.summary,
                       ItemText.state, ItemText.engine).where(ItemText.item_id.in_(chunk))):
            texts[item_id][lang] = ItemTextRecord(lang=lang, title=title, summary=summary,
                                                  origin=TextState(state), engine=engine)
    return texts


def load_text(session: Session, item_id: int, lang: str) -> ItemText | None:
    return session.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                                 ItemText.lang == lang))


def save_item_text(session: Session, item_id: int, text: ItemTextRecord) -> bool:
    """Store the machine's (or the source's) text in one language; a text in a human state
    is never replaced (one conditional UPDATE, so an edit made meanwhile wins). True when
    stored."""
    values = {"title": text.title, "summary": text.summary, "body": text.body,
              "state": TextState(text.origin), "engine": text.engine,
              "flags": list(text.flags), "unknown_words": list(text.unknown)}
    result = session.execute(
        update(ItemText)
        .where(ItemText.item_id == item_id, ItemText.lang == text.lang,
               ItemText.state.not_in(list(HUMAN_TEXT_STATES)))
        .values(version=ItemText.version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    if session.scalar(select(ItemText.id).where(
            and_(ItemText.item_id == item_id, ItemText.lang == text.lang))) is not None:
        return False
    session.execute(insert(ItemText).values(item_id=item_id, lang=text.lang, version=1,
                                            created_at=datetime.now(UTC), **values))
    return True


def _check_version(row: ItemText, expected_version: int | None, item_id: int,
                   lang: str) -> None:
    if expected_version is not None and row.version != expected_version:
        raise EditConflict(f"item {item_id} ({lang}) was changed by someone else meanwhile "
                           f"(version {row.version}, yours {expected_version}): reload it")


def edit_item_text(session: Session, item_id: int, lang: str, *, by: str, title: str,
                   summary: str, expected_version: int | None = None) -> ItemText:
    """A person's wording: the text becomes ``reviewed`` by them (an approved text edited
    again needs approving again); audited."""
    row = load_text(session, item_id, lang)
    if row is None:
        row = ItemText(item_id=item_id, lang=lang, body="", flags=[], unknown_words=[],
                       engine=None)
        session.add(row)
    else:
        _check_version(row, expected_version, item_id, lang)
    now_at = datetime.now(UTC)
    before = row.state
    row.title, row.summary, row.flags, row.unknown_words = title, summary, [], []
    row.state = TextState.REVIEWED
    row.edited_by, row.edited_at = by, now_at
    row.reviewed_by, row.reviewed_at = by, now_at
    row.approved_by, row.approved_at = None, None
    _flush_or_conflict(session, item_id, lang)
    record_audit(session, by, "text.edited", f"item:{item_id}:{lang}",
                 before=str(before) if before else None)
    return row


def _flush_or_conflict(session: Session, item_id: int, lang: str) -> None:
    """Write now: the UPDATE carries ``WHERE version = <the version read>``."""
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"item {item_id} ({lang}) was changed by someone else meanwhile: "
                           "reload it") from None


TEXT_TRANSITIONS: dict[TextState, frozenset[TextState]] = {
    TextState.MACHINE: frozenset({TextState.NEEDS_EDITING, TextState.REVIEWED,
                                  TextState.APPROVED}),
    TextState.NEEDS_EDITING: frozenset({TextState.REVIEWED}),
    TextState.REVIEWED: frozenset({TextState.NEEDS_EDITING, TextState.APPROVED}),
    TextState.APPROVED: frozenset({TextState.NEEDS_EDITING}),
    TextState.ORIGINAL: frozenset({TextState.NEEDS_EDITING}),
    TextState.NEEDS_TRANSLATION: frozenset(),
}
"""Changes of state without a change of wording (an edit is :func:`edit_item_text`)."""


def set_text_state(session: Session, item_id: int, lang: str, to: TextState, *, by: str,
                   expected_version: int | None = None) -> ItemText:
    """Mark a text as needing editing, reviewed or approved, recording who and when."""
    row = load_text(session, item_id, lang)
    if row is None:
        raise EditionError(f"item {item_id} has no {lang} text")
    _check_version(row, expected_version, item_id, lang)
    before = TextState(row.state)
    if to not in TEXT_TRANSITIONS[before]:
        raise EditionError(f"item {item_id} ({lang}) is {before}: cannot become {to}")
    now_at = datetime.now(UTC)
    row.state = to
    if to is TextState.REVIEWED:
        row.reviewed_by, row.reviewed_at = by, now_at
    elif to is TextState.APPROVED:
        row.approved_by, row.approved_at = by, now_at
        if row.reviewed_by is None:
            row.reviewed_by, row.reviewed_at = by, now_at
    _flush_or_conflict(session, item_id, lang)
    record_audit(session, by, f"text.{to}", f"item:{item_id}:{lang}", before=str(before))
    return row


__all__ = ["TEXT_TRANSITIONS", "edit_item_text", "load_text", "load_texts", "save_item_text",
           "set_text_state"]
