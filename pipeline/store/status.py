"""What ``pipeline status`` reports, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.states import DeliveryStatus
from pipeline.store.items import count_fallback_items
from pipeline.store.models import Delivery, Edition, Item, Run, Source
from pipeline.store.runs import last_runs

WAITING_DELIVERIES = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    sources: list[Source]
    items: dict[str, int]
    """Items by status."""
    fallbacks: int
    """Items that kept their feed summary (their article page could not be fetched)."""
    editions: dict[str, int]
    """Editions by status."""
    deliveries_waiting: int
    last_runs: list[Run]


def count_by(session: Session, column: object) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column))  # type: ignore[call-overload]
    return {str(value): count for value, count in rows}


def load_status(session: Session) -> StatusSnapshot:
    return StatusSnapshot(
        sources=list(session.scalars(select(Source).order_by(Source.id))),
        items=count_by(session, Item.status),
        fallbacks=count_fallback_items(session),
        editions=count_by(session, Edition.status),
        deliveries_waiting=session.scalar(
            select(func.count()).select_from(Delivery)
            .where(Delivery.status.in_(WAITING_DELIVERIES))) or 0,
        last_runs=last_runs(session))


__all__ = ["StatusSnapshot", "load_status"]
