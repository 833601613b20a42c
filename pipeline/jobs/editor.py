"""Jobs of the edition editor: arrange entries, write entries and blocks, edit texts.

Every job takes the :class:`~pipeline.permissions.Actor`, requires ``edit``, and changes an
edition inside :func:`changing_edition`: the edition row is locked (two people's moves apply
one after the other), a sent, sending, paused or cancelled edition is refused, and after the
change its per-language state is computed again and an approved edition goes back to review.
Each change is audited by the store function that makes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.draft import EditionPlan, SectionSpec, section_for, section_layout
from pipeline.draft.rank import primary
from pipeline.errors import EditionError
from pipeline.jobs.approval import recheck_approvals
from pipeline.jobs.editions import current_plan, language_state
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES, REGIONS
from pipeline.render import export_agenda
from pipeline.states import BlockKind, EditionStatus
from pipeline.store import blocks as stored_blocks
from pipeline.store import entries as placements
from pipeline.store.blocks import NewText
from pipeline.store.candidates import load_items
from pipeline.store.editions import lock_edition, move_edition
from pipeline.store.listings import find_edition
from pipeline.store.models import Edition

Step = Literal["up", "down", "top", "bottom"]
STEPS: tuple[Step, ...] = ("up", "down", "top", "bottom")
WRITABLE_SECTIONS = ("success-stories", "practical-sheets")
"""Sections whose entries the team writes in the editor (items of origin ``written``)."""


def check_open(edition: Edition) -> None:
    if edition.status not in placements.OPEN_STATUSES:
        raise EditionError(f"edition {edition.id} is {edition.status}: its content can no "
                           "longer change")


def after_change(app: App, session: Session, edition: Edition, actor: Actor, what: str) -> None:
    """What every change of an edition's content is followed by: its per-language state
    computed again, and an approved edition returned to review."""
    session.flush()
    edition.updated_at = datetime.now(UTC)
    if edition.status == EditionStatus.APPROVED:
        move_edition(session, edition, EditionStatus.IN_REVIEW, actor=actor, reason=what)
    recheck_approvals(session, actor, [edition])  # its language approvals whose content changed
    edition.language_state = language_state(
        current_plan(session, edition, app.settings.section_order))


@contextmanager
def changing_edition(app: App, actor: Actor, edition_id: int, what: str
                     ) -> Iterator[tuple[Session, Edition]]:
    """A transaction changing one edition's content (see the module docstring)."""
    require(actor, Action.EDIT)
    with app.session() as session:
        edition = lock_edition(session, edition_id)
        check_open(edition)
        yield session, edition
        after_change(app, session, edition, actor, what)


def edition_sections(app: App, edition: Edition, plan: EditionPlan | None = None
                     ) -> list[SectionSpec]:
    """Every section the edition can have, in order (empty ones included), then any section
    of ``plan`` the publication's layout does not know."""
    specs = list(section_layout(edition.kind, app.settings.section_order))
    known = {spec.id for spec in specs}
    return specs + [SectionSpec(s.id) for s in (plan.sections if plan else ())
                    if s.id not in known]


def agenda_ics(app: App, actor: Actor, edition_id: int, lang: str) -> str:
    """The edition's agenda as iCalendar in ``lang`` (what the render stage writes)."""
    require(actor, Action.READ)
    with app.session(readonly=True) as session:
        edition = find_edition(session, edition_id)
        if edition is None:
            raise EditionError(f"no edition with id {edition_id}")
        plan = current_plan(session, edition, app.settings.section_order)
    events = [event for section in plan.sections for event in section.events]
    return export_agenda(events, lang=lang, stamp_at=edition.updated_at)


def entry_sections(app: App, edition: Edition) -> tuple[str, ...]:
    """The sections of this edition that hold entries (items)."""
    return tuple(spec.id for spec in section_layout(edition.kind, app.settings.section_order)
                 if spec.kind == "entries")


def _section_ids(session: Session, edition_id: int, section: str, leaving: int) -> list[int]:
    return [p.item_id for p in placements.load_placements(session, edition_id)
            if p.section == section and p.item_id != leaving]


def move_entry(app: App, actor: Actor, edition_id: int, item_id: int, *,
               step: Step | None = None, section: str | None = None,
               before: int | None = None) -> placements.Placement:
    """Move an entry one place ``up`` or ``down``, to the ``top`` or ``bottom`` of its
    section, or into ``section`` before the entry of item ``before`` (at its end without
    one): what the buttons and a drag-and-drop send."""
    with changing_edition(app, actor, edition_id, "entry moved") as (session, edition):
        now = {p.item_id: p for p in placements.load_placements(session, edition_id)}
        if item_id not in now:
            raise EditionError(f"edition {edition_id} has no entry for item {item_id}")
        current = now[item_id]
        target = section or current.section
        if target not in entry_sections(app, edition):
            raise EditionError(f"edition {edition_id} has no section {target!r} for entries")
        others = _section_ids(session, edition_id, target, item_id)
        if step is not None:
            index = {"up": current.position - 1, "down": current.position + 1, "top": 0,
                     "bottom": len(others)}[step]
        elif before is not None and before in others:
            index = others.index(before)
        else:
            index = len(others)
        moved = placements.move_item(session, edition_id, item_id, target, index,
                                     by=actor.name)
        assert moved is not None
    return moved


def remove_entry(app: App, actor: Actor, edition_id: int, item_id: int) -> bool:
    """Take an entry out (the item goes back to the inbox); False when it was not there."""
    with changing_edition(app, actor, edition_id, "entry removed") as (session, _edition):
        return placements.remove_item(session, edition_id, item_id, by=actor.name) is not None


def insertion_index(session: Session, edition_id: int, section: str, regions: tuple[str, ...],
                    by_region: bool) -> int:
    """Where a new entry goes in its section: after the last entry of its region when the
    section is grouped by region (the headings stay whole), else at the end."""
    ids = _section_ids(session, edition_id, section, -1)
    if not by_region or not ids:
        return len(ids)
    facts = load_items(session, ids)
    region = primary(regions, REGIONS, "global")
    order = {r: i for i, r in enumerate(REGIONS)}
    mine = order.get(region, len(REGIONS))
    for index, other in enumerate(ids):
        theirs = facts[other].regions if other in facts else ()
        if order.get(primary(theirs, REGIONS, "global"), len(REGIONS)) > mine:
            return index
    return len(ids)


def add_entry(app: App, actor: Actor, edition_id: int, item_id: int, *,
              section: str | None = None, source_section: str = "press",
              theme_hint: str | None = None) -> str | None:
    """Put an item into the edition, in ``section`` or the one its labels give
    (:func:`pipeline.draft.section_for`; ``theme_hint`` places an item that has no theme);
    returns the section, None when the edition already held it."""
    with changing_edition(app, actor, edition_id, "entry added") as (session, edition):
        return place(app, session, edition, actor, item_id, section=section,
                     source_section=source_section, theme_hint=theme_hint)


def place(app: App, session: Session, edition: Edition, actor: Actor, item_id: int, *,
          section: str | None, source_section: str = "press",
          theme_hint: str | None = None) -> str | None:
    facts = load_items(session, [item_id]).get(item_id)
    if facts is None:
        raise EditionError(f"no item with id {item_id}")
    themes = facts.themes or ((theme_hint,) if theme_hint else ())
    target = section or section_for(edition.kind, themes, source_section)
    layout = {s.id: s for s in section_layout(edition.kind, app.settings.section_order)}
    if target not in layout or layout[target].kind != "entries":
        raise EditionError(f"edition {edition.id} has no section {target!r} for entries")
    index = insertion_index(session, edition.id, target, facts.regions,
                            layout[target].by_region)
    if not placements.place_item(session, edition.id, item_id, target, index, by=actor.name):
        return None
    return target


def write_entry(app: App, actor: Actor, edition_id: int, section: str, *, lang: str,
                title: str, summary: str, url: str = "", source_name: str = "") -> int:
    """An entry the team writes (a success story, a practical sheet): a new item in
    ``lang``, placed at the end of ``section``; processing translates it. Returns its id."""
    if lang not in LANGUAGES:
        raise EditionError(f"unknown language {lang!r}")
    if not title.strip():
        raise EditionError("an entry needs a title")
    with changing_edition(app, actor, edition_id, "entry written") as (session, edition):
        if section not in entry_sections(app, edition):
            raise EditionError(f"edition {edition_id} has no section {section!r} for entries")
        item = placements.add_written_item(session, by=actor.name, lang=lang,
                                           title=title.strip(), summary=summary.strip(),
                                           url=url.strip(), source_name=source_name.strip())
        index = len(_section_ids(session, edition_id, section, -1))
        placements.place_item(session, edition_id, item.id, section, index, by=actor.name)
        return item.id


# --- blocks: editorial, key figures, agenda entries ----------------------------------------

@dataclass(frozen=True, slots=True)
class BlockForm:
    """What a block's form sends: its own fields, and its words in one language."""

    lang: str
    title: str
    summary: str
    fields: Mapping[str, Any]
    text_version: int | None = None
    """The version of the text the person saw (None: there was none in ``lang``)."""
    block_version: int | None = None


def _check_block(kind: BlockKind, form: BlockForm) -> None:
    if form.lang not in LANGUAGES:
        raise EditionError(f"unknown language {form.lang!r}")
    if kind is BlockKind.KEY_FIGURE and form.fields.get("value") is None:
        raise EditionError("a key figure needs its number")
    if kind is BlockKind.EVENT:
        starts_at, ends_at = form.fields.get("starts_at"), form.fields.get("ends_at")
        if starts_at is None:
            raise EditionError("an agenda entry needs its date")
        if ends_at is not None and ends_at < starts_at:
            raise EditionError("an agenda entry cannot end before it starts")
    if kind is not BlockKind.KEY_FIGURE and not form.title.strip():
        raise EditionError("a title is needed")


def add_block(app: App, actor: Actor, edition_id: int, kind: BlockKind, form: BlockForm) -> int:
    """A new key figure or agenda entry (or the editorial), written in ``form.lang``."""
    _check_block(kind, form)
    with changing_edition(app, actor, edition_id, f"{kind} added") as (session, edition):
        if edition.kind != "newsletter":
            raise EditionError("only the Newsletter has an editorial, key figures and an agenda")
        if kind is BlockKind.EDITORIAL and stored_blocks.find_editorial(session, edition_id):
            raise EditionError(f"edition {edition_id} already has an editorial")
        row = stored_blocks.add_block(
            session, edition_id, kind, by=actor.name, **dict(form.fields),
            texts={form.lang: NewText(form.title.strip(), form.summary.strip())})
        return row.id


def save_block(app: App, actor: Actor, edition_id: int, block_id: int, form: BlockForm) -> bool:
    """Change a block's fields and its words in ``form.lang``; a change made on an older
    version than stored is refused (:class:`~pipeline.errors.EditConflict`). True when
    something changed."""
    with changing_edition(app, actor, edition_id, "block changed") as (session, _edition):
        row = stored_blocks.get_block(session, edition_id, block_id)
        _check_block(row.kind, form)
        changed = False
        if form.fields:
            changed = stored_blocks.update_block(
                session, row, by=actor.name, expected_version=form.block_version or 0,
                **dict(form.fields))
        text = stored_blocks.save_block_text(
            session, row, form.lang, by=actor.name, title=form.title.strip(),
            summary=form.summary.strip(), expected_version=form.text_version)
        return changed or text is not None


def save_editorial(app: App, actor: Actor, edition_id: int, lang: str, *, title: str,
                   body: str, version: int | None) -> int:
    """Write the editorial in ``lang`` (made on first use); returns its block id."""
    form = BlockForm(lang, title, body, {}, text_version=version)
    with changing_edition(app, actor, edition_id, "editorial written") as (session, edition):
        if edition.kind != "newsletter":
            raise EditionError("only the Newsletter has an editorial")
        _check_block(BlockKind.EDITORIAL, form)
        row = stored_blocks.find_editorial(session, edition_id)
        if row is None:
            if version is not None:
                raise EditionError("the editorial was removed meanwhile: reload the page")
            row = stored_blocks.add_block(
                session, edition_id, BlockKind.EDITORIAL, by=actor.name,
                texts={lang: NewText(title.strip(), body.strip())})
        else:
            stored_blocks.save_block_text(session, row, lang, by=actor.name,
                                          title=title.strip(), summary=body.strip(),
                                          expected_version=version)
        return row.id


def remove_block(app: App, actor: Actor, edition_id: int, block_id: int) -> None:
    with changing_edition(app, actor, edition_id, "block removed") as (session, _edition):
        stored_blocks.remove_block(session, stored_blocks.get_block(session, edition_id,
                                                                    block_id), by=actor.name)


def move_block(app: App, actor: Actor, edition_id: int, block_id: int, step: Step) -> int:
    with changing_edition(app, actor, edition_id, "block moved") as (session, _edition):
        row = stored_blocks.get_block(session, edition_id, block_id)
        index = {"up": row.position - 1, "down": row.position + 1, "top": 0,
                 "bottom": 10**6}[step]
        return stored_blocks.move_block(session, row, index, by=actor.name)


__all__ = [
    "STEPS",
    "WRITABLE_SECTIONS",
    "BlockForm",
    "add_block",
    "add_entry",
    "after_change",
    "agenda_ics",
    "changing_edition",
    "check_open",
    "edition_sections",
    "entry_sections",
    "move_block",
    "move_entry",
    "place",
    "remove_block",
    "remove_entry",
    "save_block",
    "save_editorial",
    "write_entry",
]
