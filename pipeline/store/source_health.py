"""What the sources page shows of each source: its fetch state (kept by the collect job) and
what it brought lately: items a week, the share found relevant, articles kept from the feed's
summary (fall-backs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from pipeline.store.models import Classification, Item, Source

WEEK = timedelta(days=7)
RELEVANCE_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    id: str
    enabled: bool
    paused: bool
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    error_count: int
    warnings: tuple[str, ...]
    next_check_at: datetime | None
    item_count: int
    items_week: int = 0
    fallbacks_week: int = 0
    classified_month: int = 0
    relevant_month: int = 0

    @property
    def relevant_share(self) -> float | None:
        return self.relevant_month / self.classified_month if self.classified_month else None


def load_source_health(session: Session, *, now_at: datetime) -> dict[str, SourceHealth]:
    week = dict(session.execute(
        select(Item.source_id, func.count()).where(Item.fetched_at >= now_at - WEEK,
                                                   Item.source_id.is_not(None))
        .group_by(Item.source_id)).all())
    fallbacks = dict(session.execute(
        select(Item.source_id, func.count()).where(Item.fetched_at >= now_at - WEEK,
                                                   Item.source_id.is_not(None),
                                                   Item.fallback.is_not(None))
        .group_by(Item.source_id)).all())
    month = {row[0]: (int(row[1]), int(row[2] or 0)) for row in session.execute(
        select(Item.source_id, func.count(),
               func.sum(case((Classification.relevant.is_(True), 1), else_=0)).cast(Integer))
        .join(Classification, Classification.item_id == Item.id)
        .where(Item.fetched_at >= now_at - RELEVANCE_WINDOW, Item.source_id.is_not(None))
        .group_by(Item.source_id))}
    found = {}
    for row in session.scalars(select(Source)):
        classified, relevant = month.get(row.id, (0, 0))
        found[row.id] = SourceHealth(
            id=row.id, enabled=row.enabled, paused=row.paused,
            last_success_at=row.last_success_at, last_error=row.last_error,
            last_error_at=row.last_error_at, error_count=row.error_count,
            warnings=tuple(row.warnings or ()), next_check_at=row.next_check_at,
            item_count=row.item_count, items_week=int(week.get(row.id, 0)),
            fallbacks_week=int(fallbacks.get(row.id, 0)), classified_month=classified,
            relevant_month=relevant)
    return found


def set_source_paused(session: Session, source_id: str, paused: bool) -> bool:
    """Pause a source (the collect job skips it until resumed) or resume it (its failure
    count starts again and it is due at once); False when there is no such source."""
    row = session.get(Source, source_id)
    if row is None:
        return False
    row.paused = paused
    if not paused:
        row.error_count = 0
        row.next_check_at = None
        row.retry_after_at = None
    return True


__all__ = ["SourceHealth", "load_source_health", "set_source_paused"]
