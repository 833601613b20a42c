"""``pipeline bounces process``: delivery reports, complaints and unsubscribe mails read
from a mailbox, matched to deliveries (by the Message-ID they quote, else by the VERP
envelope address they were sent to), kept raw, and acted on:

- a hard bounce (5.x.x) suppresses the address at once (status ``bounced``);
- soft bounces (4.x.x, delayed) are kept; :data:`SOFT_LIMIT` of them within
  :data:`SOFT_WINDOW` suppress the address too;
- a complaint suppresses the address from every publication (status ``complained``);
- a mail to the List-Unsubscribe mailto carrying a valid unsubscribe token unsubscribes.

A message read twice counts once (its SHA-256 is kept). Suppressed addresses are skipped by
every later send (:func:`pipeline.store.deliveries.claim_deliveries`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.deliver.bounces import read_report
from pipeline.errors import LinkError, ParseError
from pipeline.jobs.mail import MailSetup
from pipeline.jobs.runs import recorded_run
from pipeline.permissions import Action, Actor, require
from pipeline.signing import Purpose, read_link_token, read_verp
from pipeline.states import SubscriberStatus
from pipeline.store.bounces import count_reports, find_delivery, report_seen, save_report
from pipeline.store.deliveries import suppress_subscriber
from pipeline.store.subscriptions import ConsentFacts, unsubscribe

SOFT_LIMIT = 3
SOFT_WINDOW = timedelta(days=30)


@dataclass
class BounceStats:
    kinds: Counter[str] = field(default_factory=Counter)
    matched: int = 0
    unmatched: int = 0
    already_seen: int = 0
    suppressed: int = 0
    unreadable: int = 0


def process_bounces(app: App, actor: Actor, messages: Iterable[bytes]) -> BounceStats:
    require(actor, Action.MANAGE_SUBSCRIBERS)
    setup = MailSetup.from_settings(app.settings)
    stats = BounceStats()
    with recorded_run(app, "bounces") as run:
        for raw in messages:
            process_one(app, setup, raw, stats)
        run.stats.update(dict(stats.kinds), matched=stats.matched, unmatched=stats.unmatched,
                         suppressed=stats.suppressed)
    return stats


def process_one(app: App, setup: MailSetup, raw: bytes, stats: BounceStats) -> None:
    digest = hashlib.sha256(raw).hexdigest()
    try:
        report = read_report(raw)
    except ParseError:
        stats.unreadable += 1
        return
    now_at = datetime.now(UTC)
    verp_ids = [found for address in report.addresses
                if (found := read_verp(setup.secret, setup.bounce_address, address))]
    with app.session() as session:
        if report_seen(session, digest):
            stats.already_seen += 1
            return
        delivery_id = subscriber_id = None
        if report.kind == "unsubscribe":
            subscriber_id = unsubscribe_by_mail(session, setup, report.token, now_at)
        else:
            match = find_delivery(session, list(report.message_ids), verp_ids)
            if match is not None:
                delivery_id, subscriber_id = match
        matched = subscriber_id is not None or report.kind == "other"
        save_report(session, digest=digest, kind=report.kind if matched else "unmatched",
                    status=report.status,
                    diagnostic=report.diagnostic, raw=raw, delivery_id=delivery_id,
                    subscriber_id=subscriber_id, now_at=now_at)
        stats.kinds[report.kind] += 1
        if subscriber_id is None:
            stats.unmatched += report.kind != "other"
            return
        stats.matched += 1
        suppress = None
        too_many_soft = report.kind == "soft" and count_reports(
            session, subscriber_id, "soft", now_at - SOFT_WINDOW) >= SOFT_LIMIT
        if report.kind == "hard" or too_many_soft:
            suppress = SubscriberStatus.BOUNCED
        elif report.kind == "complaint":
            suppress = SubscriberStatus.COMPLAINED
        if suppress is not None and suppress_subscriber(session, subscriber_id, suppress,
                                                        now_at):
            stats.suppressed += 1


def unsubscribe_by_mail(session: Session, setup: MailSetup, token: str, now_at: datetime
                        ) -> int | None:
    """Unsubscribe the owner of an unsubscribe token mailed to the List-Unsubscribe
    mailto; their id, or None for a token that is not valid."""
    try:
        subscriber_token, publication = read_link_token(setup.secret, Purpose.UNSUBSCRIBE,
                                                        token, size=2)
    except LinkError:
        return None
    facts = ConsentFacts(ip="mail", wording="List-Unsubscribe mailto", language="")
    subscriber = unsubscribe(session, subscriber_token, publication, facts, now_at)
    return subscriber.id if subscriber is not None else None


__all__ = ["SOFT_LIMIT", "SOFT_WINDOW", "BounceStats", "process_bounces"]
