"""What ``/metrics``, ``/healthz`` and the operations page count, read in one transaction:
counts by source, queue, language, state and job, and day by day over the last weeks for the
charts. Nothing here reads an address, a URL or an error text (the operations page reads the
failing sources' errors through :func:`failing_source_rows`, for administrators only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pipeline.states import DeliveryStatus, ItemStatus, RunStatus, TextState
from pipeline.store.models import (
    Classification,
    Delivery,
    Edition,
    Item,
    ItemText,
    Notification,
    Run,
    Source,
    Subscriber,
)
from pipeline.store.sources import due_condition

PENDING_TEXT_STATES = (TextState.NEEDS_TRANSLATION, TextState.MACHINE, TextState.NEEDS_EDITING)
WAITING_DELIVERIES = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class SourceCounts:
    id: str
    items: int
    relevant: int
    error_count: int
    paused: bool
    enabled: bool
    last_success_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobTimes:
    """A job's runs over the window: counts by status and the durations of finished ones."""

    job: str
    runs: dict[str, int]
    seconds: list[float]
    last_seconds: float | None


@dataclass(slots=True)
class MetricsSnapshot:
    sources: list[SourceCounts]
    queues: dict[str, int]
    texts_pending: dict[tuple[str, str], int]
    """(language, state) → texts waiting for a translator or a reviewer."""
    editions: dict[tuple[str, str], int]
    deliveries: dict[str, int]
    subscribers: dict[str, int]
    jobs: list[JobTimes] = field(default_factory=list)


def check_database(session: Session) -> None:
    """A round trip: raises when the database cannot answer."""
    session.execute(text("SELECT 1"))


def load_metrics(session: Session, now_at: datetime, window: timedelta) -> MetricsSnapshot:
    items = dict(session.execute(select(Item.source_id, func.count()).group_by(Item.source_id))
                 .all())
    relevant = dict(session.execute(
        select(Item.source_id, func.count()).join(Classification,
                                                  Classification.item_id == Item.id)
        .where(Classification.relevant.is_(True)).group_by(Item.source_id)).all())
    sources = [SourceCounts(row.id, items.get(row.id, 0), relevant.get(row.id, 0),
                            row.error_count, row.paused, row.enabled, row.last_success_at)
               for row in session.scalars(select(Source).order_by(Source.id))]
    by_status = dict(session.execute(select(Item.status, func.count()).group_by(Item.status))
                     .all())
    queues = {
        "items_new": by_status.get(ItemStatus.NEW, 0),
        "items_processing": by_status.get(ItemStatus.PROCESSING, 0),
        "sources_due": session.scalar(select(func.count()).select_from(Source)
                                      .where(due_condition(now_at))) or 0,
        "deliveries_waiting": session.scalar(
            select(func.count()).select_from(Delivery)
            .where(Delivery.status.in_(WAITING_DELIVERIES))) or 0,
        "notifications_waiting": session.scalar(
            select(func.count()).select_from(Notification)
            .where(Notification.sent_at.is_(None))) or 0,
    }
    texts = {(str(lang), str(state)): count for lang, state, count in session.execute(
        select(ItemText.lang, ItemText.state, func.count())
        .where(ItemText.state.in_(PENDING_TEXT_STATES))
        .group_by(ItemText.lang, ItemText.state))}
    editions = {(str(kind), str(status)): count for kind, status, count in session.execute(
        select(Edition.kind, Edition.status, func.count())
        .group_by(Edition.kind, Edition.status))}
    deliveries = {str(status): count for status, count in session.execute(
        select(Delivery.status, func.count()).group_by(Delivery.status))}
    subscribers = {str(status): count for status, count in session.execute(
        select(Subscriber.status, func.count()).group_by(Subscriber.status))}
    return MetricsSnapshot(sources, queues, texts, editions, deliveries, subscribers,
                           job_times(session, now_at - window))


def job_times(session: Session, since_at: datetime) -> list[JobTimes]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    seconds: dict[str, list[float]] = defaultdict(list)
    last: dict[str, float] = {}
    rows = session.execute(select(Run.job, Run.status, Run.started_at, Run.finished_at)
                           .where(Run.started_at >= since_at).order_by(Run.id))
    for job, status, started_at, finished_at in rows:
        counts[job][str(status)] = counts[job].get(str(status), 0) + 1
        if finished_at is not None and status != RunStatus.RUNNING:
            took = max((finished_at - started_at).total_seconds(), 0.0)
            seconds[job].append(took)
            last[job] = took
    return [JobTimes(job, counts[job], seconds[job], last.get(job)) for job in sorted(counts)]


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Day by day (the team's days) over the window, oldest first."""

    days: list[date]
    collected: list[int]
    relevant: list[int]
    fetch_errors: list[int]
    job_failures: list[int]
    sent: list[int]


def daily_series(session: Session, now_at: datetime, days: int, timezone: str) -> DailySeries:
    zone = ZoneInfo(timezone)
    last = now_at.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    since_at = datetime.combine(first, datetime.min.time(), zone)
    index = {first + timedelta(days=n): n for n in range(days)}

    def day_of(at: datetime) -> int | None:
        return index.get(at.astimezone(zone).date())

    collected, relevant, errors, failures, sent = ([0] * days for _ in range(5))
    for fetched_at, is_relevant in session.execute(
            select(Item.fetched_at, Classification.relevant)
            .outerjoin(Classification, Classification.item_id == Item.id)
            .where(Item.fetched_at >= since_at)):
        n = day_of(fetched_at)
        if n is not None:
            collected[n] += 1
            relevant[n] += bool(is_relevant)
    for job, status, started_at, stats in session.execute(
            select(Run.job, Run.status, Run.started_at, Run.stats)
            .where(Run.started_at >= since_at)):
        n = day_of(started_at)
        if n is None:
            continue
        if job == "collect":
            errors[n] += _int(stats, "failed")
        failures[n] += status in (RunStatus.FAILED, RunStatus.DEAD)
    for (sent_at,) in session.execute(select(Delivery.sent_at).where(
            Delivery.sent_at >= since_at, Delivery.status == DeliveryStatus.SENT)):
        n = day_of(sent_at) if sent_at is not None else None
        if n is not None:
            sent[n] += 1
    return DailySeries(list(index), collected, relevant, errors, failures, sent)


def _int(stats: Any, key: str) -> int:
    value = stats.get(key, 0) if isinstance(stats, dict) else 0
    return value if isinstance(value, int) else 0


def failing_source_rows(session: Session) -> list[Source]:
    """Sources failing or paused now, with their errors (the operations page)."""
    return list(session.scalars(select(Source).where(
        Source.enabled.is_(True), (Source.error_count > 0) | Source.paused.is_(True))
        .order_by(Source.error_count.desc(), Source.id)))


__all__ = ["DailySeries", "JobTimes", "MetricsSnapshot", "SourceCounts", "check_database",
           "daily_series", "failing_source_rows", "load_metrics"]
