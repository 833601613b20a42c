"""The notifications outbox: one row per thing to tell (by ``key``), kept until every
recipient has it, and the accounts that receive them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.states import EditionStatus, Role
from pipeline.store.models import Edition, Notification, Source, User

MAX_ATTEMPTS = 20
"""A notification the relay refused this many times is given up (its error stays)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    email: str
    language: str | None


def add_notification(session: Session, key: str, kind: str, details: dict[str, Any]) -> bool:
    """Queue a notification unless one with ``key`` exists; True when queued now."""
    if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(insert(Notification).values(
                key=key, kind=kind, details=details, created_at=datetime.now(UTC),
                sent_to=[], attempts=0))
    except IntegrityError:  # queued by another process meanwhile
        return False
    return True


def pending_notifications(session: Session, limit: int = 100) -> list[Notification]:
    return list(session.scalars(select(Notification).where(
        Notification.sent_at.is_(None), Notification.attempts < MAX_ATTEMPTS)
        .order_by(Notification.id).limit(limit)))


def recipients(session: Session, roles: Sequence[Role]) -> list[Recipient]:
    """Accounts with one of ``roles`` and an email address."""
    return [Recipient(name, email or "", language) for name, email, language in session.execute(
        select(User.name, User.email, User.language)
        .where(User.role.in_(list(roles)), User.email.is_not(None), User.email != "")
        .order_by(User.name))]


def mark_sent_to(session: Session, notification_id: int, name: str) -> None:
    row = session.get(Notification, notification_id)
    if row is not None and name not in row.sent_to:
        row.sent_to = [*row.sent_to, name]


def finish_notification(session: Session, notification_id: int) -> None:
    row = session.get(Notification, notification_id)
    if row is not None:
        row.sent_at = datetime.now(UTC)
        row.last_error = None


def record_notification_error(session: Session, notification_id: int, error: str) -> None:
    row = session.get(Notification, notification_id)
    if row is not None:
        row.attempts += 1
        row.last_error = error[:500]


def failing_sources(session: Session, since_before: datetime) -> list[Source]:
    """Enabled sources failing without a break since before ``since_before``."""
    return list(session.scalars(select(Source).where(
        Source.enabled.is_(True), Source.failing_since_at.is_not(None),
        Source.failing_since_at <= since_before).order_by(Source.id)))


def finished_or_stopped_sends(session: Session, now_at: datetime,
                              within: timedelta = timedelta(days=7)) -> list[Edition]:
    """Editions sent within ``within``, and editions whose send is paused."""
    return list(session.scalars(select(Edition).where(
        ((Edition.status == EditionStatus.SENT) & (Edition.sent_at >= now_at - within))
        | (Edition.status == EditionStatus.PAUSED)).order_by(Edition.id)))


def delivery_counts(session: Session, edition_id: int) -> dict[str, int]:
    from sqlalchemy import func

    from pipeline.store.models import Delivery

    return {str(status): count for status, count in session.execute(
        select(Delivery.status, func.count()).where(Delivery.edition_id == edition_id)
        .group_by(Delivery.status))}


__all__ = ["Recipient", "add_notification", "delivery_counts", "failing_sources",
           "finish_notification", "finished_or_stopped_sends", "mark_sent_to",
           "pending_notifications", "recipients", "record_notification_error"]
