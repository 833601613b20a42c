"""Job: each ambassador's weekly digest, in their language: what they sent this week (with
what became of it), what got published (with the archive page), what the team commented.

``send_ambassador_digests(app, actor, now_at)`` is what the scheduler calls (weekly); one
digest per ambassador and ISO week is recorded before it is sent, so a run repeated in the
same week sends nothing twice (a message the relay refused is released for the next run).
An ambassador with nothing to report this week gets no message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.errors import PipelineError
from pipeline.jobs.runs import recorded_run
from pipeline.jobs.submissions import archive_link
from pipeline.letters import compose_digest, send_letter
from pipeline.letters.compose import DigestLine
from pipeline.permissions import Action, Actor, require
from pipeline.states import SubmissionStatus
from pipeline.store.digests import claim_digest, digest_readers, release_digest
from pipeline.store.submissions import SubmissionRow, list_submissions

WEEK = timedelta(days=7)
MAX_LINES = 100


@dataclass(slots=True)
class DigestReport:
    week: str
    sent: list[str] = field(default_factory=list)
    nothing_to_say: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def iso_week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def title_of(row: SubmissionRow) -> str:
    return row.title or row.item_title or row.url or f"#{row.id}"


def digest_lines(app: App, rows: list[SubmissionRow], lang: str, since_at: datetime,
                 until_at: datetime) -> tuple[list[DigestLine], ...]:
    def within(at: datetime | None) -> bool:
        return at is not None and since_at <= at < until_at

    sent = [DigestLine(title_of(r), str(r.status)) for r in rows if within(r.created_at)]
    published = [DigestLine(title_of(r), str(r.status), link=archive_link(app, r.edition, lang))
                 for r in rows if r.status == SubmissionStatus.PUBLISHED and r.edition
                 and within(r.edition.sent_at)]
    commented = [DigestLine(title_of(r), str(r.status), comment=r.return_comment or "",
                            comment_by=r.returned_by or "")
                 for r in rows if r.return_comment and within(r.returned_at)]
    return sent[:MAX_LINES], published[:MAX_LINES], commented[:MAX_LINES]


def send_ambassador_digests(app: App, actor: Actor, now_at: datetime | None = None
                            ) -> DigestReport:
    """Send this week's digest to every active ambassador with an address (audited in the
    run's counts)."""
    require(actor, Action.MANAGE_USERS)
    now_at = now_at or datetime.now(UTC)
    since_at = now_at - WEEK
    report = DigestReport(week=iso_week(now_at))
    portal = f"{app.settings.base_url.rstrip('/')}/portal"
    with recorded_run(app, "digests") as run:
        with app.session(readonly=True) as db:
            readers = [(u.id, u.name, u.email or "", u.language) for u in digest_readers(db)]
        for user_id, name, email, language in readers:
            with app.session(readonly=True) as db:
                rows = list_submissions(db, user_id=user_id, limit=1000)
            lang = language or next((r.lang for r in rows if r.lang in ("fr", "en", "es")),
                                    "en")
            sent, published, commented = digest_lines(app, rows, lang, since_at, now_at)
            if not (sent or published or commented):
                report.nothing_to_say.append(name)
                continue
            with app.session() as db:
                if not claim_digest(db, user_id, report.week, now_at=now_at):
                    report.already_sent.append(name)
                    continue
            letter = compose_digest(lang=lang, name=name, week_start_at=since_at, sent=sent,
                                    published=published, commented=commented,
                                    portal_link=portal)
            try:
                send_letter(app.settings.smtp_url, app.settings.mail_from, email,
                            letter.subject, letter.body)
            except PipelineError as exc:
                with app.session() as db:
                    release_digest(db, user_id, report.week)
                report.failed[name] = " ".join(str(exc).split())[:300]
                run.log.warning("digest.failed", user=name, error=report.failed[name])
                continue
            report.sent.append(name)
        run.stats.update(week=report.week, sent=len(report.sent),
                         nothing_to_say=len(report.nothing_to_say),
                         already_sent=len(report.already_sent), failed=len(report.failed))
        run.log.info("digests.done", **run.stats)
    return report


__all__ = ["DigestReport", "iso_week", "send_ambassador_digests"]
