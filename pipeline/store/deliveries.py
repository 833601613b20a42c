"""Deliveries: one row per edition and subscriber, and the machine they follow.

::

    pending ──claim──▶ sending ──▶ sent | bounced | failed | skipped
                        │  ▲
              4xx, lost │  │ claim again once next_attempt_at has passed
                        ▼  │
                      deferred ──(attempts used up)──▶ failed

- A claim (:func:`claim_deliveries`) takes free rows with the store's lease primitive
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite), so two senders never
  hold the same row; it gives each row its Message-ID, committed before any SMTP transaction.
- A row left ``sending`` by a sender that died is free again once its lease expired (at once
  when its run is found dead): it is claimed as it is, and keeps its Message-ID, so a message
  that did reach the server before the crash is repeated with the same Message-ID.
- Results (:func:`record_result`) release the lease; a row whose lease another sender took
  over in the meantime is left alone.
- A sender that stops (pause, shutdown) gives its unsent rows back as ``pending``
  (:func:`release_unsent`).
- ``skipped``: the subscriber unsubscribed, bounced or left the publication before their turn.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.states import DeliveryStatus, SubscriberStatus
from pipeline.store import leases
from pipeline.store.models import Delivery, Subscriber

D = DeliveryStatus
TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    D.PENDING: frozenset({D.SENDING}),
    D.SENDING: frozenset({D.SENT, D.DEFERRED, D.FAILED, D.BOUNCED, D.SKIPPED, D.PENDING,
                          D.SENDING}),
    D.DEFERRED: frozenset({D.SENDING}),
    D.SENT: frozenset(),
    D.FAILED: frozenset(),
    D.BOUNCED: frozenset(),
    D.SKIPPED: frozenset(),
}
"""What each status may become (a ``sending`` row whose lease expired is claimed again)."""
UNFINISHED = (D.PENDING, D.SENDING, D.DEFERRED)
FINAL_RESULTS = (D.SENT, D.DEFERRED, D.FAILED, D.BOUNCED)


def subscribed_to(kind: str) -> ColumnElement[bool]:
    """Subscribers whose publications (a JSON list) include ``kind``."""
    return cast(Subscriber.publications, String).like(f'%"{kind}"%')


def queue_deliveries(session: Session, edition_id: int, kind: str) -> int:
    """A pending delivery for every confirmed subscriber of ``kind`` who has none for this
    edition yet (in the database: nothing is loaded); returns how many were added."""
    chosen = (select(literal(edition_id), Subscriber.id, Subscriber.language,
                     literal(str(D.PENDING)), literal(0))
              .where(Subscriber.status == SubscriberStatus.CONFIRMED, subscribed_to(kind)))
    columns = ["edition_id", "subscriber_id", "language", "status", "attempts"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Delivery).from_select(columns, chosen).on_conflict_do_nothing(
        index_elements=["edition_id", "subscriber_id"])
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: int
    subscriber_id: int
    email: str
    language: str
    token: str
    message_id: str
    attempts: int


def claim_deliveries(session: Session, edition_id: int, kind: str, *, owner: str, limit: int,
                     lease_seconds: float, message_domain: str, now_at: datetime
                     ) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` deliveries due now: pending ones, deferred ones whose time has
    come, and ``sending`` ones whose sender died. Each gets its Message-ID (kept if it had
    one); subscribers no longer confirmed for ``kind`` are marked skipped, not returned."""
    due = or_(Delivery.status == D.PENDING, Delivery.status == D.SENDING,
              and_(Delivery.status == D.DEFERRED, Delivery.next_attempt_at <= now_at))
    ids = leases.claim(session, Delivery, owner=owner, lease_seconds=lease_seconds,
                       limit=limit, where=and_(Delivery.edition_id == edition_id, due),
                       values={"status": D.SENDING}, now_at=now_at)
    if not ids:
        return []
    suffix = f".{edition_id}.{secrets.token_hex(4)}@{message_domain}>"
    session.execute(
        update(Delivery).where(Delivery.id.in_(ids), Delivery.message_id.is_(None))
        .values(message_id=literal("<") + cast(Delivery.id, String) + literal(suffix))
        .execution_options(synchronize_session=False))
    rows = session.execute(
        select(Delivery.id, Delivery.message_id, Delivery.attempts, Subscriber.id,
               Subscriber.email, Subscriber.language, Subscriber.token, Subscriber.status,
               subscribed_to(kind))
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id.in_(ids)).order_by(Delivery.id)).all()
    claimed, gone = [], []
    for (delivery_id, message_id, attempts, subscriber_id, email, language, token, status,
         wanted) in rows:
        if status != SubscriberStatus.CONFIRMED or not wanted:
            gone.append(delivery_id)
            continue
        claimed.append(ClaimedDelivery(delivery_id, subscriber_id, email, language, token,
                                       str(message_id), attempts))
    if gone:
        leases.release(session, Delivery, owner=owner, ids=gone,
                       values={"status": D.SKIPPED, "last_error": "unsubscribed or suppressed "
                               "before their turn"})
    for language in {c.language for c in claimed}:  # what is sent is what is counted
        session.execute(update(Delivery).where(
            Delivery.id.in_([c.id for c in claimed if c.language == language]),
            Delivery.language != language).values(language=language)
            .execution_options(synchronize_session=False))
    return claimed


def record_result(session: Session, delivery_id: int, *, owner: str, status: DeliveryStatus,
                  now_at: datetime, error: str | None = None,
                  retry_at: datetime | None = None, max_attempts: int = 1) -> bool:
    """Record what the server answered and release the lease. ``deferred`` becomes
    ``failed`` once ``max_attempts`` are used. A bounce suppresses the subscriber. False
    when the row is no longer this owner's (taken over after its lease expired)."""
    values: dict[str, object] = {"attempts": Delivery.attempts + 1, "last_error": error,
                                 "claimed_by": None, "lease_expires_at": None}
    if status is D.SENT:
        values.update(status=D.SENT, sent_at=now_at, next_attempt_at=None)
    elif status is D.DEFERRED:
        values.update(status=case((Delivery.attempts + 1 >= max_attempts, str(D.FAILED)),
                                  else_=str(D.DEFERRED)), next_attempt_at=retry_at)
    else:
        values.update(status=status, next_attempt_at=None)
    # Core execution on the session's connection: one per message sent, and the ORM's bulk
    # update path costs more than the statement.
    result = session.connection().execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == owner,
                               Delivery.status == D.SENDING).values(**values))
    if not result.rowcount:
        return False
    if status is D.BOUNCED:
        subscriber_id = session.scalar(select(Delivery.subscriber_id)
                                       .where(Delivery.id == delivery_id))
        suppress_subscriber(session, subscriber_id, SubscriberStatus.BOUNCED, now_at)
    return True


def suppress_subscriber(session: Session, subscriber_id: int | None,
                        status: SubscriberStatus, now_at: datetime) -> bool:
    """Stop sending to a subscriber (bounced, complained); True when it changed."""
    if subscriber_id is None:
        return False
    result = session.execute(
        update(Subscriber).where(Subscriber.id == subscriber_id,
                                 Subscriber.status.in_((SubscriberStatus.CONFIRMED,
                                                        SubscriberStatus.PENDING)))
        .values(status=status, updated_at=now_at).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_unsent(session: Session, owner: str, ids: list[int] | None = None) -> int:
    """Give back, as pending, the deliveries ``owner`` still holds (all, or ``ids``): they
    were never handed to the server."""
    return leases.release(session, Delivery, owner=owner, ids=ids,
                          values={"status": D.PENDING})


def delivery_counts(session: Session, edition_id: int) -> dict[tuple[str, str], int]:
    """(status, language) → count for one edition."""
    rows = session.execute(select(Delivery.status, Delivery.language, func.count())
                           .where(Delivery.edition_id == edition_id)
                           .group_by(Delivery.status, Delivery.language))
    return {(str(status), language): count for status, language, count in rows}


def count_unfinished(session: Session, edition_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.edition_id == edition_id, Delivery.status.in_(UNFINISHED))) or 0


def next_retry_at(session: Session, edition_id: int) -> datetime | None:
    """When the earliest deferred delivery of the edition is due."""
    return session.scalar(select(func.min(Delivery.next_attempt_at)).where(
        Delivery.edition_id == edition_id, Delivery.status == D.DEFERRED))


def audience_counts(session: Session, kind: str) -> dict[str, int]:
    """Confirmed subscribers of ``kind`` by language: who a send would reach now."""
    rows = session.execute(select(Subscriber.language, func.count())
                           .where(Subscriber.status == SubscriberStatus.CONFIRMED,
                                  subscribed_to(kind)).group_by(Subscriber.language))
    return {language: count for language, count in rows}


@dataclass(frozen=True, slots=True)
class AudienceMember:
    subscriber_id: int
    email: str
    language: str
    token: str


def iter_audience(session: Session, kind: str, edition_id: int, *, batch: int = 1000
                  ) -> Iterator[AudienceMember]:
    """The confirmed subscribers of ``kind`` not yet sent this edition, streamed."""
    done = select(Delivery.subscriber_id).where(
        Delivery.edition_id == edition_id,
        Delivery.status.in_((D.SENT, D.BOUNCED, D.FAILED, D.SKIPPED)))
    rows = session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.language, Subscriber.token)
        .where(Subscriber.status == SubscriberStatus.CONFIRMED, subscribed_to(kind),
               Subscriber.id.not_in(done)).order_by(Subscriber.id)
        .execution_options(yield_per=batch))
    for row in rows:
        yield AudienceMember(*row)


__all__ = ["TRANSITIONS", "UNFINISHED", "AudienceMember", "ClaimedDelivery",
           "audience_counts", "claim_deliveries", "count_unfinished", "delivery_counts",
           "iter_audience", "next_retry_at", "queue_deliveries", "record_result",
           "release_unsent", "suppress_subscriber"]
