"""Jobs on an item's texts: a person's edit, review and approval (the review app's calls).

Each takes the :class:`~pipeline.permissions.Actor` and the ``version`` the person saw; the
store refuses a change made on an older version (:class:`~pipeline.errors.EditConflict`).
A person's wording is remembered by the translation memory as theirs (``reviewed``, or
``approved``), which the machine never overwrites; and an edit undoes the approvals of the
content it changes (:func:`pipeline.jobs.approval.recheck_approvals`), in the same
transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.collect.cleaning import MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, clean_text
from pipeline.errors import ConfigError, EditConflict, EditionError
from pipeline.jobs.editor import after_change
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.states import TextState
from pipeline.store.audit import record_audit
from pipeline.store.editions import lock_edition
from pipeline.store.entries import open_editions_holding
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.models import ItemText
from pipeline.store.review import load_item_texts
from pipeline.store.texts import edit_item_text, load_text, set_text_state
from pipeline.translate import export_tmx, import_tmx, remember_correction, remember_entries

STATE_ACTIONS = {TextState.NEEDS_EDITING: Action.EDIT, TextState.REVIEWED: Action.EDIT,
                 TextState.APPROVED: Action.APPROVE}
"""Who may put a text in each state: editors review, approvers approve."""


def remember_wording(session: Session, row: ItemText, origin: TextState) -> int:
    """Teach the memory a person's wording of ``row`` (title and summary, against the item's
    original); returns the pairs remembered (0 when the item has no original text)."""
    texts = load_item_texts(session, row.item_id)
    original = next((t for t in texts.values() if t.state is TextState.ORIGINAL), None)
    if original is None or original.lang == row.lang:
        return 0
    memory = SqlTranslationMemory(session)
    count = 0
    for source, wording in ((original.title, row.title), (original.summary, row.summary)):
        if source.strip() and wording.strip():
            count += remember_correction(memory, original.lang, row.lang, source, wording,
                                         origin=origin, editor=row.edited_by)
    return count


def edit_text(app: App, actor: Actor, item_id: int, lang: str, *, title: str, summary: str,
              version: int | None) -> ItemText:
    """A person's wording of an item in ``lang`` (the translation review and the editor): the
    text becomes ``reviewed`` by them and goes to the translation memory. The wording is
    cleaned as collected text is (control characters removed; a title is one line without
    bidi controls); an empty title is refused. A save from a form that saw ``version`` is
    refused with :class:`~pipeline.errors.EditConflict` when someone changed the text since
    (``None``: the person saw no text, so one written meanwhile is a conflict too). Every open
    edition holding the item is brought up to date: its language state again, an approved one
    back to review, the language approvals whose content changed withdrawn."""
    require(actor, Action.EDIT)
    if lang not in LANGUAGES:
        raise EditionError(f"unknown language {lang!r}")
    title = clean_text(title, MAX_TITLE_CHARS)[0]
    summary = clean_text(summary, MAX_SUMMARY_CHARS, multiline=True)[0]
    if not title:
        raise ConfigError("a text needs a title", path="title")
    with app.session() as session:
        held = [lock_edition(session, edition_id) for edition_id in
                open_editions_holding(session, [item_id])]
        if version is None and load_text(session, item_id, lang) is not None:
            raise EditConflict(f"item {item_id} ({lang}) got a text meanwhile: reload it")
        row = edit_item_text(session, item_id, lang, by=actor.name, title=title,
                             summary=summary, expected_version=version)
        remember_wording(session, row, TextState.REVIEWED)
        for edition in held:
            after_change(app, session, edition, actor, "text edited")
        return row


def mark_text(app: App, actor: Actor, item_id: int, lang: str, to: TextState, *,
              version: int | None) -> ItemText:
    """Mark a text as needing editing, reviewed, or approved (an approved wording is
    remembered as approved)."""
    require(actor, STATE_ACTIONS[to])
    with app.session() as session:
        row = set_text_state(session, item_id, lang, to, by=actor.name,
                             expected_version=version)
        if to is TextState.APPROVED and row.edited_by is not None:
            remember_wording(session, row, TextState.APPROVED)
        return row


def export_memory(app: App, actor: Actor, path: Path) -> int:
    """The translation memory as TMX 1.4 (for the team's other tools); units written."""
    require(actor, Action.EXPORT)
    with app.session(readonly=True) as session:
        entries = SqlTranslationMemory(session).export_entries()
    return export_tmx(entries, path)


def import_memory(app: App, actor: Actor, path: Path, origin: str) -> int:
    """A TMX file into the translation memory, its units checked to ``origin`` (``approved``
    or ``reviewed``: never translated again); audited. Units loaded."""
    require(actor, Action.EDIT)
    entries = import_tmx(path)
    with app.session() as session:
        count = remember_entries(SqlTranslationMemory(session), entries, origin=origin)
        record_audit(session, actor.name, "memory.imported", f"tmx:{path.name}", units=count,
                     origin=origin)
    return count


__all__ = ["edit_text", "export_memory", "import_memory", "mark_text", "remember_wording"]
