"""An edition's sections, and its plan assembled from what the team arranged.

A drafted edition is kept as rows (which item sits in which section at which position, and
what the team wrote); :func:`assemble_plan` turns those pieces, in the publication's section
order (:func:`section_layout`), back into the :class:`EditionPlan` that rendering reads.
:func:`section_for` says where an item accepted from the inbox goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pipeline.draft.edition import DEFAULT_SECTION_ORDER, OTHER_SECTION
from pipeline.draft.plan import (
    Candidate,
    EditionKind,
    EditionPlan,
    Entry,
    Event,
    KeyFigure,
    LocalText,
    Section,
    SectionKind,
)
from pipeline.draft.rank import primary
from pipeline.records import REGIONS, THEMES


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One section a publication can have, in order."""

    id: str
    kind: SectionKind = "entries"
    by_region: bool = False
    """Entries grouped under region headings."""


NEWSLETTER_LAYOUT: tuple[SectionSpec, ...] = (
    SectionSpec("editorial", "editorial"),
    SectionSpec("initiative"),
    SectionSpec("partners", by_region=True),
    SectionSpec("success-stories"),
    SectionSpec("key-figures", "key-figures"),
    SectionSpec("practical-sheets"),
    SectionSpec("agenda", "agenda"),
    SectionSpec("from-the-press"),
)
"""The Newsletter's sections, in the order of CONTEXT.md."""

NEWSLETTER_SECTIONS = {"press": "from-the-press", "partner": "partners",
                       "initiative": "initiative"}
"""Where a source's items go in the Newsletter (``section`` of sources.toml)."""


def section_layout(kind: str, section_order: Sequence[str] = DEFAULT_SECTION_ORDER
                   ) -> tuple[SectionSpec, ...]:
    """Every section an edition of ``kind`` can have, in order (empty ones included)."""
    if kind == "newsletter":
        return NEWSLETTER_LAYOUT
    order = [s for s in dict.fromkeys(section_order) if s in THEMES or s == OTHER_SECTION]
    order += [s for s in (*THEMES, OTHER_SECTION) if s not in order]
    return tuple(SectionSpec(f"theme-{theme}", by_region=True) for theme in order)


def section_for(kind: str, themes: Sequence[str], source_section: str = "press") -> str:
    """The section an item goes to in an edition of ``kind``: its primary theme's in the
    Press Review; in the Newsletter, the Initiative's news when that is its primary theme,
    else its source's section."""
    if kind == "newsletter":
        if tuple(themes[:1]) == ("initiative",):
            return "initiative"
        return NEWSLETTER_SECTIONS.get(source_section, "from-the-press")
    return f"theme-{primary(tuple(themes), THEMES, OTHER_SECTION)}"


def entry_of(candidate: Candidate, rank: int, group: str = "") -> Entry:
    """A stored item as an entry of an assembled plan."""
    return Entry(
        item_id=candidate.item_id, story_id=candidate.story_id,
        source_name=candidate.source_name, url=candidate.url,
        original_lang=candidate.original_lang, published_at=candidate.published_at,
        themes=candidate.themes, regions=candidate.regions,
        texts=dict(sorted(candidate.texts.items())), rank=rank, group=group,
        outlets_count=candidate.outlets_count, also_in=candidate.also_in,
        image_url=candidate.image_url)


def assemble_plan(
    kind: EditionKind,
    *,
    since_at: datetime,
    until_at: datetime,
    layout: Sequence[SectionSpec],
    entries: Mapping[str, Sequence[Candidate]],
    editorial: Mapping[str, LocalText] | None = None,
    figures: Sequence[KeyFigure] = (),
    events: Sequence[Event] = (),
    warnings: Sequence[str] = (),
) -> EditionPlan:
    """The plan of an edition from its arranged pieces: ``entries`` by section id, in the
    order the team left them (ranked in reading order, grouped by region where the section
    is); sections without content are left out; entries under a section id the layout does
    not know come last, in a section of their own (nothing is ever dropped)."""
    known = {spec.id for spec in layout}
    specs = [*layout, *(SectionSpec(s) for s in entries if s not in known)]
    sections: list[Section] = []
    rank = 1
    for spec in specs:
        if spec.kind == "editorial":
            if editorial:
                sections.append(Section(spec.id, "editorial",
                                        editorial=dict(sorted(editorial.items()))))
        elif spec.kind == "key-figures":
            if figures:
                sections.append(Section(spec.id, "key-figures", figures=tuple(figures)))
        elif spec.kind == "agenda":
            if events:
                sections.append(Section(spec.id, "agenda", events=tuple(events)))
        elif entries.get(spec.id):
            placed = []
            for candidate in entries[spec.id]:
                group = primary(candidate.regions, REGIONS, "global") if spec.by_region else ""
                placed.append(entry_of(candidate, rank, group))
                rank += 1
            sections.append(Section(spec.id, entries=tuple(placed)))
    return EditionPlan(kind, since_at, until_at, tuple(sections), tuple(warnings))


__all__ = ["NEWSLETTER_LAYOUT", "SectionSpec", "assemble_plan", "entry_of", "section_for",
           "section_layout"]
