"""Bounce and complaint reports, kept raw, and the deliveries they point to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.store.models import BounceReport, Delivery

MAX_RAW_BYTES = 256 * 1024
"""What is kept of a report (the original message it quotes may be long)."""


def find_delivery(session: Session, message_ids: list[str], delivery_ids: list[int]
                  ) -> tuple[int, int] | None:
    """(delivery id, subscriber id) of the first delivery matching a Message-ID or an id."""
    for message_id in message_ids[:10]:
        row = session.execute(select(Delivery.id, Delivery.subscriber_id)
                              .where(Delivery.message_id == message_id)).first()
        if row is not None:
            return int(row[0]), int(row[1])
    for delivery_id in delivery_ids[:10]:
        row = session.execute(select(Delivery.id, Delivery.subscriber_id)
                              .where(Delivery.id == delivery_id)).first()
        if row is not None:
            return int(row[0]), int(row[1])
    return None


def report_seen(session: Session, digest: str) -> bool:
    return session.scalar(select(BounceReport.id).where(BounceReport.digest == digest)) \
        is not None


def save_report(session: Session, *, digest: str, kind: str, status: str, diagnostic: str,
                raw: bytes, delivery_id: int | None, subscriber_id: int | None,
                now_at: datetime) -> bool:
    """Keep a report; False when the same message was kept before."""
    try:
        with session.begin_nested():
            session.add(BounceReport(digest=digest, received_at=now_at, kind=kind,
                                     status=status[:16], diagnostic=diagnostic,
                                     raw=raw[:MAX_RAW_BYTES], delivery_id=delivery_id,
                                     subscriber_id=subscriber_id))
    except IntegrityError:
        return False
    return True


def count_reports(session: Session, subscriber_id: int, kind: str, since_at: datetime) -> int:
    return session.scalar(select(func.count()).select_from(BounceReport).where(
        BounceReport.subscriber_id == subscriber_id, BounceReport.kind == kind,
        BounceReport.received_at >= since_at)) or 0


__all__ = ["MAX_RAW_BYTES", "count_reports", "find_delivery", "report_seen", "save_report"]
