"""Sending an edition: ``pipeline send``, the Send page and the workers all call
:func:`send_edition`.

It is claim-driven: any number of senders (threads, processes, hosts sharing PostgreSQL) may
run it on one edition at once; each claims a few deliveries at a time with a lease owned by
its run (:mod:`pipeline.store.deliveries`), sends them over kept SMTP connections
(:mod:`pipeline.deliver`) and records each answer as it comes. A sender that dies leaves its
claims to the next one (its run is found dead, its leases expire). The edition moves
``approved → sending`` when the first sender starts and ``sending → sent`` when the last
delivery is done, and is then published to the archive. ``pause`` stops every sender at its
next claim; ``--resume`` starts again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.deliver import (
    Job,
    MessageTemplate,
    Outcome,
    SendResult,
    SmtpConnection,
    parse_smtp_url,
    send_jobs,
)
from pipeline.deliver.sender import UNREACHABLE_LIMIT
from pipeline.errors import DeliveryError, EditionError, PipelineError
from pipeline.jobs.editions import archive, current_plan, edition_content_hash, edition_links
from pipeline.jobs.mail import MailSetup, RecipientLinks, build_templates, sender_address
from pipeline.jobs.runs import RunRecord, recorded_run
from pipeline.permissions import Action, Actor, require
from pipeline.states import DeliveryStatus, EditionStatus
from pipeline.store.deliveries import (
    ClaimedDelivery,
    claim_deliveries,
    count_unfinished,
    delivery_counts,
    next_retry_at,
    queue_deliveries,
    record_result,
    release_unsent,
)
from pipeline.store.editions import edition_status, get_edition, lock_edition, move_edition
from pipeline.store.models import Edition
from pipeline.store.runs import LEASE_SECONDS

Progress = Callable[[int, int], None]
OUTCOME_STATUS = {Outcome.SENT: DeliveryStatus.SENT, Outcome.DEFERRED: DeliveryStatus.DEFERRED,
                  Outcome.BOUNCED: DeliveryStatus.BOUNCED, Outcome.FAILED: DeliveryStatus.FAILED}
DONE_STATUSES = ("sent", "bounced", "failed", "skipped")


@dataclass
class SendReport:
    edition_id: int
    edition_status: str
    counts: dict[str, int] = field(default_factory=dict)
    """Every delivery of the edition by status (all senders together)."""
    sent_by_language: dict[str, int] = field(default_factory=dict)
    this_run: dict[str, int] = field(default_factory=dict)
    note: str = ""
    """Why this sender stopped before the edition was sent (paused, retries later…)."""
    next_retry_at: datetime | None = None
    archived_files: int = 0
    archive_error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check_sendable(session: object, edition: Edition, *, resume: bool) -> None:
    """Refuse what may not be sent: not approved, paused without ``resume``, or changed since
    approval (the content hash)."""
    status = EditionStatus(edition.status)
    if status in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW, EditionStatus.CANCELLED):
        raise EditionError(f"edition {edition.id} is {status}: only an approved edition is sent")
    if status is EditionStatus.PAUSED and not resume:
        raise EditionError(f"edition {edition.id} is paused: resume it with "
                           f"`pipeline send {edition.id} --resume` or on its Send page")
    if not edition.content_hash:
        raise EditionError(f"edition {edition.id} has no content hash (approved by an older "
                           "version): approve it again")
    if edition_content_hash(session, edition) != edition.content_hash:  # type: ignore[arg-type]
        raise EditionError(f"edition {edition.id} changed since it was approved (its content "
                           "hash differs): approve it again before sending")


def send_edition(app: App, actor: Actor, edition_id: int, *, resume: bool = False,
                 wait: bool = True, progress: Progress | None = None,
                 stop: threading.Event | None = None,
                 make_connection: Callable[..., SmtpConnection] = SmtpConnection,
                 ) -> SendReport:
    """Send (or go on sending) an approved edition; safe to run again and from several
    processes at once. ``wait``: stay until deferred messages are retried (otherwise leave
    them to a later run); ``stop``: set by a worker shutting down."""
    require(actor, Action.SEND)
    setup = MailSetup.from_settings(app.settings)
    target = parse_smtp_url(app.settings.smtp_url, timeout=app.settings.smtp_timeout)
    with recorded_run(app, "send") as run:
        run.stats.update(edition=edition_id)
        with app.session(readonly=True) as session:
            edition = get_edition(session, edition_id)
            if edition.status == EditionStatus.SENT:
                sender = Sender(app, actor, run, setup, {}, edition, stop)
                sender.archive_if_needed(edition)
                return sender.report("already sent")
            check_sendable(session, edition, resume=resume)
            plan = current_plan(session, edition)
            web_urls = {lang: links.web_url for lang, links in edition_links(app, edition).items()}
        templates = build_templates(setup, edition_id=edition_id, kind=edition.kind, plan=plan,
                                    web_urls=web_urls)
        with app.session() as session:
            edition = lock_edition(session, edition_id)
            if edition.status == EditionStatus.APPROVED or (
                    resume and edition.status == EditionStatus.PAUSED):
                move_edition(session, edition, EditionStatus.SENDING, actor=actor)
            elif edition.status != EditionStatus.SENDING:
                raise EditionError(f"edition {edition_id} is {edition.status}: not sending")
            run.stats["queued"] = queue_deliveries(session, edition_id, edition.kind)
        sender = Sender(app, actor, run, setup, templates, edition, stop, progress)
        return sender.run(target, make_connection, wait=wait)


class Sender:
    """One sender's loop over an edition (see the module docstring)."""

    def __init__(self, app: App, actor: Actor, run: RunRecord, setup: MailSetup,
                 templates: dict[str, MessageTemplate], edition: Edition,
                 stop: threading.Event | None, progress: Progress | None = None) -> None:
        self.app, self.actor, self.run_record, self.setup = app, actor, run, setup
        self.templates = templates
        self.edition_id, self.kind = edition.id, edition.kind
        self.stop = stop or threading.Event()
        self.progress = progress
        self.links = RecipientLinks(setup, edition.kind)
        self.envelope = sender_address(setup)
        self.claimed: dict[int, ClaimedDelivery] = {}
        self.lock = threading.Lock()
        self.halted: str | None = None
        self.this_run = {str(s): 0 for s in OUTCOME_STATUS.values()}
        self.done = self.total = 0
        self.archived_files = 0
        self.archive_error: str | None = None
        settings = app.settings
        self.batch = max(10, settings.smtp_connections * 5)

    # --- the loop ---------------------------------------------------------------------------

    def run(self, target: object, make_connection: Callable[..., SmtpConnection], *,
            wait: bool) -> SendReport:
        settings = self.app.settings
        self.refresh_progress()
        while True:
            halt = threading.Event()
            pool = send_jobs(self.claims(halt), target=target,  # type: ignore[arg-type]
                             connections=settings.smtp_connections, rate=settings.send_rate,
                             on_result=self.on_result, stop=halt,
                             make_connection=make_connection)
            with self.app.session() as session:
                release_unsent(session, self.run_record.owner)
            if pool.unreachable:
                self.pause("the SMTP relay could not be reached")
                raise DeliveryError(
                    f"the SMTP relay could not be reached {UNREACHABLE_LIMIT} times in a row: "
                    f"edition {self.edition_id} is paused; resume it with "
                    f"`pipeline send {self.edition_id} --resume`")
            if self.stop.is_set():
                return self.report("stopped")
            if self.halted is not None:
                return self.report(f"edition {self.halted}")
            with self.app.session(readonly=True) as session:
                unfinished = count_unfinished(session, self.edition_id)
                retry_at = next_retry_at(session, self.edition_id)
            if unfinished == 0:
                self.finish()
                return self.report("")
            if retry_at is None:
                return self.report("other senders hold the last deliveries")
            if not wait:
                return self.report("deferred messages wait for a later run", retry_at)
            self.sleep_until(retry_at)

    def claims(self, halt: threading.Event) -> Iterator[Job]:
        """Jobs, claimed a few at a time, while the edition is sending."""
        while not halt.is_set():
            if self.stop.is_set():
                halt.set()
                return
            with self.app.session() as session:
                status = edition_status(session, self.edition_id)
                if status != EditionStatus.SENDING:
                    self.halted = str(status)
                    halt.set()
                    return
                batch = claim_deliveries(
                    session, self.edition_id, self.kind, owner=self.run_record.owner,
                    limit=self.batch, lease_seconds=LEASE_SECONDS,
                    message_domain=self.setup.domain, now_at=datetime.now(UTC))
            if not batch:
                return
            for claimed in batch:
                with self.lock:
                    self.claimed[claimed.id] = claimed
                yield self.job(claimed)

    def job(self, claimed: ClaimedDelivery) -> Job:
        template = self.templates.get(claimed.language) or self.templates["en"]
        recipient = self.links.recipient(claimed.email, claimed.message_id, claimed.token)
        setup = self.setup

        def build() -> bytes:
            return setup.sign(template.build(recipient, date_at=datetime.now(UTC)))

        return Job(claimed.id, setup.envelope_from(claimed.id), claimed.email, build)

    def on_result(self, job: Job, result: SendResult) -> None:
        now_at = datetime.now(UTC)
        with self.lock:
            claimed = self.claimed.pop(job.key)
        settings = self.app.settings
        with self.app.session() as session:
            if result.unreachable:  # not the message's fault: no attempt counted
                release_unsent(session, self.run_record.owner, [job.key])
                return
            status = OUTCOME_STATUS[result.outcome]
            delay = settings.send_retry_seconds * 2 ** min(claimed.attempts, 16)
            record_result(session, job.key, owner=self.run_record.owner, status=status,
                          now_at=now_at, error=None if status is DeliveryStatus.SENT
                          else result.detail, retry_at=now_at + timedelta(seconds=delay),
                          max_attempts=settings.send_max_attempts)
        with self.lock:
            self.this_run[str(status)] += 1
            if status is not DeliveryStatus.DEFERRED:
                self.done += 1
            if self.progress is not None:
                self.progress(min(self.done, self.total), self.total)
        if status in (DeliveryStatus.BOUNCED, DeliveryStatus.FAILED):
            self.run_record.log.info("delivery." + str(status), delivery_id=job.key,
                                     detail=result.detail)

    def sleep_until(self, moment: datetime) -> None:
        while not self.stop.is_set():
            left = (moment - datetime.now(UTC)).total_seconds()
            if left <= 0:
                return
            self.stop.wait(min(left, 1.0))
            with self.app.session(readonly=True) as session:
                if edition_status(session, self.edition_id) != EditionStatus.SENDING:
                    return

    # --- the edition --------------------------------------------------------------------------

    def refresh_progress(self) -> None:
        with self.app.session(readonly=True) as session:
            counts = delivery_counts(session, self.edition_id)
        self.total = sum(counts.values())
        self.done = sum(n for (status, _), n in counts.items() if status in DONE_STATUSES)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        """The last delivery is done: the edition is sent, then archived."""
        with self.app.session() as session:
            edition = lock_edition(session, self.edition_id)
            if edition.status != EditionStatus.SENDING or count_unfinished(
                    session, self.edition_id):
                return
            counts = delivery_counts(session, self.edition_id)
            totals: dict[str, int] = {}
            for (status, _), count in counts.items():
                totals[status] = totals.get(status, 0) + count
            move_edition(session, edition, EditionStatus.SENT, actor=self.actor, **totals)
        self.archive_if_needed(None)

    def archive_if_needed(self, edition: Edition | None) -> None:
        if edition is not None and edition.archived_at is not None:
            return
        try:
            self.archived_files = len(archive(self.app, self.actor, self.edition_id))
        except PipelineError as exc:
            self.archive_error = str(exc)
            self.run_record.log.warning("send.archive_failed", error=str(exc))

    def pause(self, reason: str) -> None:
        with self.app.session() as session:
            edition = lock_edition(session, self.edition_id)
            if edition.status == EditionStatus.SENDING:
                move_edition(session, edition, EditionStatus.PAUSED, actor=self.actor,
                             reason=reason)

    def report(self, note: str, retry_at: datetime | None = None) -> SendReport:
        with self.app.session(readonly=True) as session:
            counts = delivery_counts(session, self.edition_id)
            status = edition_status(session, self.edition_id)
        by_status: dict[str, int] = {}
        sent_by_language: dict[str, int] = {}
        for (delivery_status, language), count in counts.items():
            by_status[delivery_status] = by_status.get(delivery_status, 0) + count
            if delivery_status == DeliveryStatus.SENT:
                sent_by_language[language] = sent_by_language.get(language, 0) + count
        self.run_record.stats.update(self.this_run)
        return SendReport(self.edition_id, str(status), by_status, sent_by_language,
                          dict(self.this_run), note, retry_at, self.archived_files,
                          self.archive_error)


def pause_sending(app: App, actor: Actor, edition_id: int) -> Edition:
    """Stop every sender of the edition at its next claim (resumable)."""
    require(actor, Action.SEND)
    with app.session() as session:
        edition = lock_edition(session, edition_id)
        return move_edition(session, edition, EditionStatus.PAUSED, actor=actor)


__all__ = ["SendReport", "check_sendable", "pause_sending", "send_edition"]
