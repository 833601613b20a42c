"""Stories: items about the same event, linked across outlets and languages.

Linking reads the recent items (:func:`load_story_items`), groups them outside any
transaction, then writes the groups (:func:`link_story_groups`) in one transaction that holds
the story lock and reads the items' current stories again: two processors linking at once
therefore never both create a story for the same items, and a story whose items all moved to
another is deleted, so no story is left without items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from pipeline.records import StoryCandidate
from pipeline.states import ItemStatus
from pipeline.store.models import Item, ItemText, Story

STORY_LOCK = 0x5707_1E5
"""PostgreSQL advisory lock key held while stories are written (SQLite: the write lock)."""


LEAD_CHARS = 3_000
"""Characters of an item's text read for linking (its names and figures are in the lead)."""


def load_story_items(session: Session, since_at: datetime) -> list[StoryCandidate]:
    """Processed items collected since ``since_at`` (ids as strings), with the lead of their
    text (page body, else feed summary), their outlet, and their titles in every language. An
    item without a publication date has none: linking takes it as near any other."""
    rows = session.execute(
        select(Item.id, Item.original_lang, Item.title,
               func.substr(Item.body, 1, LEAD_CHARS).label("body"),
               func.substr(Item.summary, 1, LEAD_CHARS).label("summary"), Item.published_at,
               Item.publisher, Item.source_id)
        .where(Item.status == ItemStatus.PROCESSED, Item.fetched_at >= since_at)
        .order_by(Item.id)).all()
    titles: dict[int, dict[str, str]] = {}
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 1000):
        for item_id, lang, title in session.execute(
                select(ItemText.item_id, ItemText.lang, ItemText.title)
                .where(ItemText.item_id.in_(ids[start:start + 1000]))):
            titles.setdefault(item_id, {})[lang] = title
    return [StoryCandidate(id=str(row.id), lang=row.original_lang or "und", title=row.title,
                           text=row.body or row.summary or "", published_at=row.published_at,
                           source=row.publisher or row.source_id or "",
                           translated_titles=titles.get(row.id, {})) for row in rows]


def lock_stories(session: Session) -> None:
    """Hold the story lock until the transaction ends (SQLite's BEGIN IMMEDIATE already
    serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK})


def link_story_groups(session: Session, groups: Sequence[Sequence[int]]) -> int:
    """Put each group's items in one story: the oldest story any of them already has (the
    items of its other stories move with them), or a new one; stories left without items are
    deleted. Returns how many items of the groups were linked."""
    lock_stories(session)
    linked = 0
    emptied: set[int] = set()
    for group in groups:
        ids = sorted(set(group))
        current = dict(session.execute(select(Item.id, Item.story_id)
                                       .where(Item.id.in_(ids))).all())
        existing = sorted({s for s in current.values() if s is not None})
        if existing:  # the group joins the oldest; the others' items follow
            story_id = existing[0]
            if existing[1:]:
                session.execute(update(Item).where(Item.story_id.in_(existing[1:]))
                                .values(story_id=story_id)
                                .execution_options(synchronize_session=False))
                emptied.update(existing[1:])
        else:
            story = Story(created_at=datetime.now(UTC))
            session.add(story)
            session.flush()
            story_id = story.id
        session.execute(update(Item).where(Item.id.in_(list(current)))
                        .values(story_id=story_id)
                        .execution_options(synchronize_session=False))
        linked += len(current)
    if emptied:
        still_used = set(session.scalars(select(Item.story_id).where(
            Item.story_id.in_(emptied)).distinct()))
        orphans = emptied - still_used
        if orphans:
            session.execute(delete(Story).where(Story.id.in_(orphans)))
    return linked


def count_orphan_stories(session: Session) -> int:
    """Stories no item belongs to (none should exist)."""
    used = select(Item.story_id).where(Item.story_id.is_not(None))
    return session.scalar(select(func.count()).select_from(Story)
                          .where(Story.id.not_in(used))) or 0


__all__ = ["count_orphan_stories", "link_story_groups", "load_story_items",
           "lock_stories"]
