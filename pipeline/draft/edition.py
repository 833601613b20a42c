"""Draft the two publications from candidates: the Press Review and the Newsletter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from pipeline.draft.plan import Candidate, EditionPlan, Entry, Event, KeyFigure, LocalText, Section
from pipeline.draft.rank import make_entry, merge_stories, order_by_region, primary
from pipeline.errors import EditionError
from pipeline.records import REGIONS, THEMES

PRESS_REVIEW_LIMIT = 60
OTHER_SECTION = "other"
"""Relevant items with no theme: their own "Other news" section, never "The Initiative"."""
DEFAULT_SECTION_ORDER: tuple[str, ...] = ("initiative", *[t for t in THEMES if t != "initiative"],
                                          OTHER_SECTION)
FROM_THE_PRESS_LIMIT = 5
AGENDA_HORIZON = timedelta(days=183)
AGENDA_LIMIT = 12


def _check_period(since_at: datetime, until_at: datetime) -> None:
    if since_at.tzinfo is None or until_at.tzinfo is None:
        raise EditionError("the period needs timezone-aware datetimes (UTC)")
    if since_at >= until_at:
        raise EditionError(
            f"empty period: {since_at.isoformat()} is not before {until_at.isoformat()}"
        )


def draft_press_review(
    candidates: Iterable[Candidate],
    *,
    since_at: datetime,
    until_at: datetime,
    published_ids: frozenset[str] = frozenset(),
    limit: int = PRESS_REVIEW_LIMIT,
    section_order: Sequence[str] = DEFAULT_SECTION_ORDER,
) -> EditionPlan:
    """Draft a Press Review: one section per primary theme, entries grouped by primary region.

    Relevant press items dated in ``[since_at, until_at)`` and not in ``published_ids``; one
    entry per story (other versions become "also in" links); the ``limit`` best stories are kept.
    Sections follow ``section_order`` (theme ids and ``other``; ids it leaves out come after, in
    the taxonomy's order); an item with no theme goes to ``other``; a section without entries
    is left out.
    """
    _check_period(since_at, until_at)
    unknown = [s for s in section_order if s not in THEMES and s != OTHER_SECTION]
    if unknown:
        raise EditionError(f"section_order: unknown section {unknown[0]!r} (expected theme ids "
                           f"or {OTHER_SECTION!r})")
    order = [*dict.fromkeys(section_order)]
    order += [s for s in (*THEMES, OTHER_SECTION) if s not in order]
    stories, warnings = merge_stories(
        candidates, since_at=since_at, until_at=until_at, published_ids=published_ids
    )
    if len(stories) > limit:
        warnings.append(f"{len(stories) - limit} stories beyond the limit of {limit} left out")
        stories = stories[:limit]
    by_theme: dict[str, list[Entry]] = {}
    for rank, story in enumerate(stories, start=1):
        theme = primary(story.lead.themes, THEMES, OTHER_SECTION)
        region = primary(story.lead.regions, REGIONS, "global")
        by_theme.setdefault(theme, []).append(make_entry(story, rank, region))
    sections = tuple(
        Section(id=f"theme-{theme}", entries=tuple(order_by_region(by_theme[theme])))
        for theme in order
        if theme in by_theme
    )
    if not sections:
        warnings.append("no relevant item in the period")
    return EditionPlan("press-review", since_at, until_at, sections, tuple(warnings))


def _entries_section(
    section_id: str,
    candidates: list[Candidate],
    *,
    since_at: datetime,
    until_at: datetime,
    published_ids: frozenset[str],
    kinds: tuple[str, ...],
    rank_start: int,
    by_region: bool = False,
    limit: int | None = None,
) -> tuple[Section | None, list[str]]:
    stories, warnings = merge_stories(
        candidates, since_at=since_at, until_at=until_at, published_ids=published_ids, kinds=kinds
    )
    if limit is not None:
        stories = stories[:limit]
    entries = [
        make_entry(story, rank_start + index,
                   primary(story.lead.regions, REGIONS, "global") if by_region else "")
        for index, story in enumerate(stories)
    ]
    if by_region:
        entries = order_by_region(entries)
    if not entries:
        return None, warnings
    return Section(id=section_id, entries=tuple(entries)), warnings


def select_events(events: Iterable[Event], *, until_at: datetime) -> tuple[Event, ...]:
    """Upcoming events: not over at the end of the period, starting within the horizon."""
    upcoming = [
        event for event in events
        if (event.ends_at or event.starts_at) >= until_at
        and event.starts_at < until_at + AGENDA_HORIZON
    ]
    upcoming.sort(key=lambda e: (e.starts_at, e.event_id))
    return tuple(upcoming[:AGENDA_LIMIT])


def draft_newsletter(
    candidates: Iterable[Candidate],
    events: Iterable[Event] = (),
    *,
    since_at: datetime,
    until_at: datetime,
    editorial: Mapping[str, LocalText] | None = None,
    key_figures: Iterable[KeyFigure] = (),
    published_ids: frozenset[str] = frozenset(),
    press_limit: int = FROM_THE_PRESS_LIMIT,
) -> EditionPlan:
    """Draft a Newsletter with the sections of CONTEXT.md, in order, leaving out empty ones.

    editorial · initiative news · Partners and Members (by region) · success stories · key
    figures · practical sheets · agenda · from the press (the best ``press_limit`` press items).
    """
    _check_period(since_at, until_at)
    pool = sorted(candidates, key=lambda c: c.item_id)
    warnings: list[str] = []
    sections: list[Section] = []
    if editorial:
        sections.append(Section(id="editorial", kind="editorial",
                                editorial=dict(sorted(editorial.items()))))
    else:
        warnings.append("no editorial")
    layout: tuple[tuple[str, tuple[str, ...], bool, int | None], ...] = (
        ("initiative", ("initiative",), False, None),
        ("partners", ("partner",), True, None),
        ("success-stories", ("success-story",), False, None),
    )
    rank = 1

    def add(section_id: str, kinds: tuple[str, ...], by_region: bool, limit: int | None) -> None:
        nonlocal rank
        section, found = _entries_section(
            section_id, pool, since_at=since_at, until_at=until_at, published_ids=published_ids,
            kinds=kinds, rank_start=rank, by_region=by_region, limit=limit)
        warnings.extend(found)
        if section is not None:
            sections.append(section)
            rank += len(section.entries)

    for section_id, kinds, by_region, limit in layout:
        add(section_id, kinds, by_region, limit)
    figures = tuple(sorted(key_figures, key=lambda f: f.figure_id))
    if figures:
        sections.append(Section(id="key-figures", kind="key-figures", figures=figures))
    add("practical-sheets", ("practical-sheet",), False, None)
    agenda = select_events(events, until_at=until_at)
    if agenda:
        sections.append(Section(id="agenda", kind="agenda", events=agenda))
    add("from-the-press", ("press",), False, press_limit)
    return EditionPlan("newsletter", since_at, until_at, tuple(sections), tuple(warnings))
