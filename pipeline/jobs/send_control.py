"""What the Send page needs: who an edition would reach, how its send is going, and a send
started in the background of the web process (the workers of ``pipeline worker`` can run
:func:`pipeline.jobs.send.send_edition` instead: it is claim-driven, any number may share an
edition)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pipeline.app import App
from pipeline.deliver import parse_smtp_url
from pipeline.errors import EditionError, PipelineError
from pipeline.jobs.mail import MailSetup
from pipeline.jobs.send import check_sendable, send_edition
from pipeline.log import get_logger
from pipeline.permissions import Action, Actor, require
from pipeline.states import EditionStatus
from pipeline.store.deliveries import audience_counts, delivery_counts
from pipeline.store.editions import get_edition, lock_edition, move_edition, plan_send
from pipeline.store.models import Edition

DONE = ("sent", "bounced", "failed", "skipped")


@dataclass
class SendOverview:
    edition: Edition
    audience: dict[str, int] = field(default_factory=dict)
    """Confirmed subscribers of the publication by language: who a send reaches now."""
    counts: dict[str, int] = field(default_factory=dict)
    """Deliveries of the edition by status."""
    languages: dict[str, dict[str, int]] = field(default_factory=dict)
    """By language: deliveries ``total`` and ``sent``."""
    problem: str = ""
    """Why it cannot be sent (or resumed) now; empty when it can."""

    @property
    def recipients(self) -> int:
        return sum(self.audience.values())

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts.get(status, 0) for status in DONE)


def send_overview(app: App, actor: Actor, edition_id: int) -> SendOverview:
    require(actor, Action.SEND)
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        overview = SendOverview(edition, audience_counts(session, edition.kind))
        for (status, language), count in delivery_counts(session, edition_id).items():
            overview.counts[status] = overview.counts.get(status, 0) + count
            shown = overview.languages.setdefault(language, {"total": 0, "sent": 0})
            shown["total"] += count
            shown["sent"] += count if status == "sent" else 0
        if edition.status in (EditionStatus.APPROVED, EditionStatus.PAUSED):
            try:
                check_sendable(session, edition, resume=True)
                MailSetup.from_settings(app.settings)
                parse_smtp_url(app.settings.smtp_url)
            except PipelineError as exc:
                overview.problem = str(exc)
    return overview


def start_sending(app: App, actor: Actor, edition_id: int, *, recipients: int | None = None,
                  resume: bool = False) -> threading.Thread:
    """Check now (what a person must hear about at once), then send in a background thread.
    ``recipients`` is the number the person confirmed: refused when it changed since."""
    require(actor, Action.SEND)
    MailSetup.from_settings(app.settings)
    parse_smtp_url(app.settings.smtp_url)
    with app.session() as session:
        edition = lock_edition(session, edition_id)
        check_sendable(session, edition, resume=resume)
        if recipients is not None:
            now = sum(audience_counts(session, edition.kind).values())
            if now != recipients:
                raise EditionError(f"the number of recipients changed ({now} now, "
                                   f"{recipients} confirmed): check and confirm again")
        if resume and edition.status == EditionStatus.PAUSED:
            move_edition(session, edition, EditionStatus.SENDING, actor=actor)
    thread = threading.Thread(target=_send_in_background, args=(app, actor, edition_id),
                              name=f"send-{edition_id}", daemon=True)
    thread.start()
    return thread


def _send_in_background(app: App, actor: Actor, edition_id: int) -> None:
    log = get_logger(edition_id=edition_id)
    try:
        report = send_edition(app, actor, edition_id, resume=True)
        log.info("send.finished", status=report.edition_status, note=report.note)
    except PipelineError as exc:  # recorded with the run; the page shows the edition's state
        log.error("send.failed", error=str(exc))
        _pause_after_failure(app, actor, edition_id, str(exc))
    except Exception as exc:  # a bug must not stay silent in a thread
        log.exception("send.crashed")
        _pause_after_failure(app, actor, edition_id, repr(exc))


def _pause_after_failure(app: App, actor: Actor, edition_id: int, reason: str) -> None:
    try:
        with app.session() as session:
            edition = lock_edition(session, edition_id)
            if edition.status == EditionStatus.SENDING:
                move_edition(session, edition, EditionStatus.PAUSED, actor=actor,
                             reason=reason[:300])
    except PipelineError as exc:
        get_logger(edition_id=edition_id).error("send.pause_failed", error=str(exc))


__all__ = ["SendOverview", "send_overview", "start_sending"]


def plan_send_at(app: App, actor: Actor, edition_id: int, send_at: datetime | None) -> Edition:
    """Plan when an edition is sent (the scheduler's send job starts it then, once it is
    approved); ``None`` removes the plan. A time in the past is refused."""
    require(actor, Action.SEND)
    if send_at is not None and send_at <= datetime.now(UTC):
        raise EditionError(f"edition {edition_id}: {send_at:%Y-%m-%d %H:%M %Z} is past; give "
                           "a time to come")
    with app.session() as session:
        edition = lock_edition(session, edition_id)
        return plan_send(session, edition, send_at, actor=actor)


def parse_send_time(text: str, timezone: str) -> datetime:
    """``2026-12-01 09:00`` (or ISO 8601) in the team's time zone unless it names its own."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise EditionError(f"--at {text!r}: not a date and time such as 2026-12-01 09:00"
                           ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    return when.astimezone(UTC)
