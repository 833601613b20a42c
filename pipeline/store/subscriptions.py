"""A subscriber's own doings: sign up (double opt-in), confirm, change preferences,
unsubscribe, see and erase their data; with a consent record for each, and the counts that
rate-limit the public forms.

Every function here finds the subscriber by their random ``token`` (what signed links carry)
or by address; none of them tells a caller whether an address is known: the sign-up answers
with what should be mailed, and the web app shows the same page whatever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pipeline.states import SubscriberStatus
from pipeline.store.models import (
    BounceReport,
    Consent,
    Delivery,
    PublicRequest,
    Subscriber,
    new_subscriber_token,
)

NOTICE_INTERVAL = timedelta(days=1)
"""At most one confirmation (or "manage your subscription") mail per address in this time."""


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """Where and how a person acted: their address (IP), the words they saw, the language."""

    ip: str
    wording: str
    language: str


class Notice(StrEnum):
    """What a sign-up should mail."""

    CONFIRM = "confirm"
    """A confirmation link (a new or not yet confirmed address)."""
    MANAGE = "manage"
    """Already subscribed: a link to their preferences instead."""
    NONE = "none"
    """Nothing: a mail already went to this address less than a day ago."""


@dataclass(frozen=True, slots=True)
class SignUp:
    notice: Notice
    token: str
    language: str


def find_subscriber(session: Session, token: str) -> Subscriber | None:
    if not token:
        return None
    return session.scalar(select(Subscriber).where(Subscriber.token == token))


def record_consent(session: Session, subscriber: Subscriber, action: str, facts: ConsentFacts,
                   now_at: datetime) -> None:
    session.add(Consent(subscriber_id=subscriber.id, at=now_at, action=action,
                        ip=facts.ip[:64], wording=facts.wording, language=facts.language,
                        publications=list(subscriber.publications or ())))


def request_subscription(session: Session, *, email: str, language: str,
                         publications: list[str], facts: ConsentFacts, now_at: datetime
                         ) -> SignUp:
    """Record a sign-up; says which mail (if any) to send. A confirmed subscriber is left as
    they are (they are offered their preferences); anybody else waits for confirmation."""
    subscriber = session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        subscriber = Subscriber(email=email, language=language, publications=publications,
                                status=SubscriberStatus.PENDING, created_at=now_at,
                                updated_at=now_at)
        session.add(subscriber)
        session.flush()
        notice = Notice.CONFIRM
    elif subscriber.status == SubscriberStatus.CONFIRMED:
        notice = Notice.MANAGE
    else:
        subscriber.language, subscriber.publications = language, publications
        subscriber.status, subscriber.updated_at = SubscriberStatus.PENDING, now_at
        notice = Notice.CONFIRM
    if notice is Notice.CONFIRM:
        record_consent(session, subscriber, "subscribe", facts, now_at)
    last = subscriber.notice_sent_at
    if last is not None and now_at - last < NOTICE_INTERVAL:
        notice = Notice.NONE
    else:
        subscriber.notice_sent_at = now_at
    return SignUp(notice, subscriber.token, subscriber.language)


def confirm_subscription(session: Session, token: str, facts: ConsentFacts, now_at: datetime
                         ) -> Subscriber | None:
    """pending → confirmed (with the consent record); a confirmed one is left as it is.
    None when the token matches nobody (erased) or the person left since."""
    subscriber = find_subscriber(session, token)
    if subscriber is None or subscriber.status not in (SubscriberStatus.PENDING,
                                                       SubscriberStatus.CONFIRMED):
        return None
    if subscriber.status == SubscriberStatus.PENDING:
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.consent_at, subscriber.consent_source = now_at, "web"
        subscriber.updated_at = now_at
        record_consent(session, subscriber, "confirm", facts, now_at)
    return subscriber


def change_preferences(session: Session, token: str, *, language: str,
                       publications: list[str], facts: ConsentFacts, now_at: datetime
                       ) -> Subscriber | None:
    """Language and publications; none left means unsubscribed, and choosing some again
    (through their own signed link, so the address is theirs) subscribes again."""
    subscriber = find_subscriber(session, token)
    if subscriber is None:
        return None
    subscriber.language, subscriber.publications = language, sorted(set(publications))
    subscriber.status = (SubscriberStatus.CONFIRMED if publications
                         else SubscriberStatus.UNSUBSCRIBED)
    subscriber.updated_at = now_at
    record_consent(session, subscriber, "preferences" if publications else "unsubscribe",
                   facts, now_at)
    return subscriber


def unsubscribe(session: Session, token: str, publication: str | None, facts: ConsentFacts,
                now_at: datetime) -> Subscriber | None:
    """Leave ``publication`` (every publication when None); unsubscribed once none is left.
    Doing it again changes nothing."""
    subscriber = find_subscriber(session, token)
    if subscriber is None:
        return None
    kept = [p for p in subscriber.publications or () if publication and p != publication]
    changed = kept != list(subscriber.publications or ()) or (
        not kept and subscriber.status != SubscriberStatus.UNSUBSCRIBED
        and subscriber.status in (SubscriberStatus.CONFIRMED, SubscriberStatus.PENDING))
    if not changed:
        return subscriber
    subscriber.publications = kept
    if not kept and subscriber.status in (SubscriberStatus.CONFIRMED, SubscriberStatus.PENDING):
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.updated_at = now_at
    record_consent(session, subscriber, "unsubscribe", facts, now_at)
    return subscriber


def subscriber_data(session: Session, token: str) -> dict[str, Any] | None:
    """Everything kept about a subscriber (their export, as JSON-ready values)."""
    subscriber = find_subscriber(session, token)
    if subscriber is None:
        return None
    consents = session.scalars(select(Consent).where(Consent.subscriber_id == subscriber.id)
                               .order_by(Consent.id))
    deliveries = session.execute(
        select(Delivery.edition_id, Delivery.language, Delivery.status, Delivery.sent_at)
        .where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id))
    reports = session.execute(
        select(BounceReport.kind, BounceReport.status, BounceReport.received_at)
        .where(BounceReport.subscriber_id == subscriber.id).order_by(BounceReport.id))
    return {
        "email": subscriber.email, "language": subscriber.language,
        "publications": list(subscriber.publications or ()), "status": str(subscriber.status),
        "created_at": subscriber.created_at.isoformat(),
        "consent_at": subscriber.consent_at.isoformat() if subscriber.consent_at else None,
        "consent_source": subscriber.consent_source,
        "consents": [{"at": c.at.isoformat(), "action": c.action, "ip": c.ip,
                      "wording": c.wording, "language": c.language,
                      "publications": list(c.publications or ())} for c in consents],
        "deliveries": [{"edition": e, "language": lang, "status": str(s),
                        "sent_at": at.isoformat() if at else None}
                       for e, lang, s, at in deliveries],
        "bounce_reports": [{"kind": k, "status": s, "received_at": at.isoformat()}
                           for k, s, at in reports],
    }


def erase_subscriber(session: Session, token: str, now_at: datetime) -> bool:
    """Forget a person: address, consents and reports deleted; the row stays (anonymous,
    unsubscribed, with a new token so that old links match nobody) only so that the counts
    of past sends still add up."""
    subscriber = find_subscriber(session, token)
    if subscriber is None:
        return False
    session.execute(delete(Consent).where(Consent.subscriber_id == subscriber.id))
    session.execute(delete(BounceReport).where(BounceReport.subscriber_id == subscriber.id))
    subscriber.email = f"erased-{subscriber.id}@erased.invalid"
    subscriber.token = new_subscriber_token()
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.publications = []
    subscriber.consent_at = subscriber.consent_source = subscriber.notice_sent_at = None
    subscriber.updated_at = now_at
    return True


def count_public_requests(session: Session, kind: str, ip: str, since_at: datetime) -> int:
    return session.scalar(select(func.count()).select_from(PublicRequest).where(
        PublicRequest.kind == kind, PublicRequest.ip == ip[:64],
        PublicRequest.at >= since_at)) or 0


def record_public_request(session: Session, kind: str, ip: str, now_at: datetime,
                          keep: timedelta = timedelta(days=1)) -> None:
    """Count one request (and forget those older than ``keep``)."""
    session.execute(delete(PublicRequest).where(PublicRequest.at < now_at - keep))
    session.add(PublicRequest(kind=kind, ip=ip[:64], at=now_at))


__all__ = ["NOTICE_INTERVAL", "ConsentFacts", "Notice", "SignUp", "change_preferences",
           "confirm_subscription", "count_public_requests", "erase_subscriber",
           "find_subscriber", "record_consent", "record_public_request",
           "request_subscription", "subscriber_data", "unsubscribe"]
