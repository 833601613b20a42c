"""Choose and rank the stories of a period; shared by both publications.

Reproducible by construction: no clock is read (the period end stands for "now"), every sort has a
total key ending in the item id, and nothing iterates over a set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.draft.plan import AlsoIn, Candidate, Entry
from pipeline.records import REGIONS

THEME_WEIGHTS: Mapping[str, float] = {
    "initiative": 1.5,
    "soil-carbon": 1.4,
    "practices": 1.2,
    "policy": 1.2,
    "science": 1.1,
    "finance": 1.0,
    "food-security": 1.0,
    "land-restoration": 1.0,
}
"""Default weight of an entry's primary theme in its score."""

RECENCY_HALF_LIFE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Story:
    """The candidates of one story merged into the one that will be shown."""

    lead: Candidate
    also_in: tuple[AlsoIn, ...]
    outlets_count: int
    dated_at: datetime
    score: float


def date_candidate(candidate: Candidate) -> datetime | None:
    """The date that places a candidate in a period: publication, else collection."""
    return candidate.published_at or candidate.collected_at


def score_story(
    lead: Candidate, outlets_count: int, dated_at: datetime, until_at: datetime
) -> float:
    """Score = recency x source weight x theme weight x outlet factor (rounded, so stable)."""
    age_days = max((until_at - dated_at).total_seconds(), 0.0) / 86400.0
    recency = 0.5 ** (age_days / (RECENCY_HALF_LIFE.total_seconds() / 86400.0))
    theme = THEME_WEIGHTS.get(lead.themes[0], 1.0) if lead.themes else 1.0
    outlets = 1.0 + math.log2(max(outlets_count, 1))
    return round((0.5 + recency) * max(lead.source_weight, 0.0) * theme * outlets, 9)


def _lead_key(candidate: Candidate) -> tuple[float, str, str]:
    dated = date_candidate(candidate)
    return (-candidate.source_weight, dated.isoformat() if dated else "9999", candidate.item_id)


def merge_stories(
    candidates: Iterable[Candidate],
    *,
    since_at: datetime,
    until_at: datetime,
    published_ids: frozenset[str] = frozenset(),
    kinds: tuple[str, ...] | None = None,
) -> tuple[list[Story], list[str]]:
    """Keep relevant, unpublished candidates of the period and merge each story into one.

    The lead of a story is the candidate from the best-weighted source (then the earliest, then
    the smallest id); the others become "also in" links. A story of which any item was already
    published is left out. Returns the stories ranked best first, and warnings.
    """
    warnings: list[str] = []
    by_story: dict[str, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.item_id):
        if kinds is not None and candidate.kind not in kinds:
            continue
        by_story.setdefault(candidate.story_id, []).append(candidate)
    stories: list[Story] = []
    for story_id in sorted(by_story):
        members = by_story[story_id]
        if any(member.item_id in published_ids for member in members):
            continue
        kept = []
        for member in members:
            dated_at = date_candidate(member)
            if dated_at is None:
                warnings.append(f"item {member.item_id}: no date, left out")
            elif member.relevant and since_at <= dated_at < until_at:
                kept.append(member)
        if not kept:
            continue
        kept.sort(key=_lead_key)
        lead = kept[0]
        links: dict[tuple[str, str], AlsoIn] = {}
        for other in kept[1:]:
            links.setdefault((other.original_lang, other.url), AlsoIn(
                other.original_lang, other.url, other.source_name))
        for link in lead.also_in:
            links.setdefault((link.lang, link.url), link)
        links.pop((lead.original_lang, lead.url), None)
        also_in = tuple(links[key] for key in sorted(links))
        outlets = max(max(m.outlets_count for m in kept), len(kept))
        dated_at = date_candidate(lead)
        assert dated_at is not None
        score = score_story(lead, outlets, dated_at, until_at)
        stories.append(Story(lead, also_in, outlets, dated_at, score))
    stories.sort(key=lambda s: (-s.score, -s.dated_at.timestamp(), s.lead.item_id))
    return stories, warnings


def primary(values: tuple[str, ...], known: tuple[str, ...], default: str) -> str:
    """The first known value of an ordered tuple (themes or regions), else ``default``."""
    for value in values:
        if value in known:
            return value
    return default


def make_entry(story: Story, rank: int, group: str = "") -> Entry:
    """Turn a ranked story into an edition entry."""
    lead = story.lead
    return Entry(
        item_id=lead.item_id,
        story_id=lead.story_id,
        source_name=lead.source_name,
        url=lead.url,
        original_lang=lead.original_lang,
        published_at=lead.published_at,
        themes=lead.themes,
        regions=lead.regions,
        texts=dict(sorted(lead.texts.items())),
        rank=rank,
        group=group,
        outlets_count=story.outlets_count,
        also_in=story.also_in,
        image_url=lead.image_url,
    )


def order_by_region(entries: list[Entry]) -> list[Entry]:
    """Group entries by region (taxonomy order), keeping rank order inside each region."""
    return sorted(entries, key=lambda e: (REGIONS.index(e.group) if e.group in REGIONS
                                          else len(REGIONS), e.rank))
