"""Jobs of the inbox: accept items into the next edition, reject them, correct their labels,
comment on them.

Accepting an item the classifier called not relevant (a near miss pulled in) and rejecting
one stores an editor's label (:func:`pipeline.store.processing.correct_classification`): the
machine never relabels it, and ``pipeline classify train`` learns from it
(:func:`pipeline.store.processing.load_corrections`). Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.config import load_sources
from pipeline.errors import ConfigError, EditionError
from pipeline.jobs.editor import after_change, changing_edition, place
from pipeline.permissions import Action, Actor, require
from pipeline.records import REGIONS, THEMES
from pipeline.store import entries as placements
from pipeline.store.candidates import load_items
from pipeline.store.comments import MAX_COMMENT, add_comment
from pipeline.store.editions import lock_edition
from pipeline.store.inbox import Labels, find_open_edition, load_labels
from pipeline.store.listings import find_edition
from pipeline.store.processing import correct_classification


@dataclass(slots=True)
class Accepted:
    """What accepting gave: the section each item went to; those already in the edition."""

    edition_id: int
    placed: dict[int, str] = field(default_factory=dict)
    already: list[int] = field(default_factory=list)
    labelled: list[int] = field(default_factory=list)
    """Items the classifier had called not relevant: an editor's label now says relevant."""


@lru_cache(maxsize=4)
def _sections_of(path: str, _mtime: float) -> dict[str, str]:
    try:
        return {spec.id: spec.section for spec in load_sources(Path(path))}
    except ConfigError:
        return {}


def source_sections(app: App) -> dict[str, str]:
    """Each configured source's Newsletter section (``press``, ``partner``, ``initiative``)."""
    path = app.settings.sources_path
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    return _sections_of(str(path), mtime)


def theme_hint(labels: Labels) -> str | None:
    """The theme whose rules scored best, for placing an item that has no theme (a near miss
    is not given themes by the classifier): a placement, not a label."""
    scores = labels.evidence.get("themes")
    if not isinstance(scores, dict):
        return None
    ranked = [(float(v.get("score", 0)), t) for t, v in scores.items()
              if t in THEMES and isinstance(v, dict) and float(v.get("score", 0) or 0) > 0]
    return max(ranked)[1] if ranked else None


def open_edition_id(app: App, kind: str) -> int | None:
    with app.session(readonly=True) as session:
        edition = find_open_edition(session, kind)
        return edition.id if edition else None


def accept_items(app: App, actor: Actor, edition_id: int, item_ids: Sequence[int]) -> Accepted:
    """Put these items into the edition, each in the section its labels give (after the
    entries of its region); an item called not relevant gets an editor's label saying it is."""
    report = Accepted(edition_id)
    sections = source_sections(app)
    with changing_edition(app, actor, edition_id, "items accepted") as (session, edition):
        labels = load_labels(session, item_ids)
        sources = _sources(session, item_ids)
        for item_id in dict.fromkeys(item_ids):
            label = labels.get(item_id)
            if label is None:
                raise EditionError(f"item {item_id} is not classified yet")
            if not label.relevant:
                correct_classification(session, item_id, by=actor.name, relevant=True,
                                       themes=label.themes, regions=label.regions)
                report.labelled.append(item_id)
            section = place(app, session, edition, actor, item_id, section=None,
                            source_section=sections.get(sources.get(item_id) or "", "press"),
                            theme_hint=theme_hint(label))
            if section is None:
                report.already.append(item_id)
            else:
                report.placed[item_id] = section
    return report


def _sources(session: Session, item_ids: Sequence[int]) -> dict[int, str | None]:
    return {item_id: row.source_id for item_id, row in load_items(session, item_ids).items()}


def _leave_open_editions(app: App, session: Session, actor: Actor, item_ids: Sequence[int]
                         ) -> list[int]:
    """Take these items out of every edition still open to changes; returns those editions."""
    left = []
    for edition_id in placements.open_editions_holding(session, item_ids):
        edition = lock_edition(session, edition_id)
        for item_id in item_ids:
            placements.remove_item(session, edition_id, item_id, by=actor.name)
        after_change(app, session, edition, actor, "items rejected")
        left.append(edition_id)
    return left


def reject_items(app: App, actor: Actor, item_ids: Sequence[int]) -> list[int]:
    """Label these items not relevant (an editor's label) and take them out of the editions
    still open to changes; returns the items labelled."""
    require(actor, Action.EDIT)
    labelled = []
    with app.session() as session:
        labels = load_labels(session, item_ids)
        for item_id in dict.fromkeys(item_ids):
            label = labels.get(item_id)
            if label is None:
                raise EditionError(f"item {item_id} is not classified yet")
            if label.relevant or label.corrected_by is None:
                correct_classification(session, item_id, by=actor.name, relevant=False,
                                       themes=label.themes, regions=label.regions)
                labelled.append(item_id)
        _leave_open_editions(app, session, actor, list(item_ids))
    return labelled


def correct_labels(app: App, actor: Actor, item_id: int, *, relevant: bool,
                   themes: Sequence[str], regions: Sequence[str]) -> None:
    """An editor's relevance, themes (the first is the primary one) and regions for an item;
    an item said not relevant leaves the editions still open to changes."""
    require(actor, Action.EDIT)
    unknown = [t for t in themes if t not in THEMES] + [r for r in regions if r not in REGIONS]
    if unknown:
        raise EditionError(f"unknown theme or region {unknown[0]!r}")
    with app.session() as session:
        if item_id not in load_labels(session, [item_id]):
            raise EditionError(f"item {item_id} is not classified yet")
        correct_classification(session, item_id, by=actor.name, relevant=relevant,
                               themes=list(dict.fromkeys(themes)),
                               regions=list(dict.fromkeys(regions)))
        if not relevant:
            _leave_open_editions(app, session, actor, [item_id])
        else:
            for edition_id in placements.open_editions_holding(session, [item_id]):
                edition = lock_edition(session, edition_id)
                after_change(app, session, edition, actor, "labels corrected")


def comment_item(app: App, actor: Actor, item_id: int, body: str, *,
                 edition_id: int | None = None) -> int:
    """A comment for colleagues on an item (in an edition, or from the inbox)."""
    require(actor, Action.EDIT)
    text = body.strip()
    if not text:
        raise EditionError("a comment needs some text")
    if len(text) > MAX_COMMENT:
        raise EditionError(f"a comment holds at most {MAX_COMMENT} characters")
    with app.session() as session:
        if not _sources(session, [item_id]):
            raise EditionError(f"no item with id {item_id}")
        if edition_id is not None and find_edition(session, edition_id) is None:
            edition_id = None
        return add_comment(session, item_id, by=actor.name, body=text,
                           edition_id=edition_id).id


__all__ = ["Accepted", "accept_items", "comment_item", "correct_labels", "open_edition_id",
           "reject_items", "source_sections", "theme_hint"]
