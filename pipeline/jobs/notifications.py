"""Job: tell the team, by email, what needs them: a draft is ready (with its review link),
a source has failed for a day, a send finished or stopped, a job keeps failing.

Each thing to tell is queued once under a key (the draft's id, the failing streak's start…)
in the notifications outbox, then sent to each recipient in their own language; a relay that
is down leaves it queued for the next ``notify`` run, and a recipient who has it is never
sent it again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.errors import PipelineError
from pipeline.jobs.runs import recorded_run
from pipeline.log import get_logger
from pipeline.notify import AUDIENCES, Notice, compose, send_message
from pipeline.notify.mail import build_message
from pipeline.states import EditionStatus
from pipeline.store.editions import get_edition
from pipeline.store.models import Edition
from pipeline.store.notifications import (
    add_notification,
    delivery_counts,
    failing_sources,
    finish_notification,
    finished_or_stopped_sends,
    mark_sent_to,
    pending_notifications,
    recipients,
    record_notification_error,
)
from pipeline.store.operations import job_summaries


def _period(edition: Edition) -> dict[str, str]:
    return {"since": edition.period_start_at.isoformat(),
            "last_day": (edition.period_end_at - timedelta(microseconds=1)).isoformat()}


def notify_draft_ready(app: App, edition_id: int) -> None:
    """Queue "the draft is ready" for the team, and try to send it now."""
    with app.session() as session:
        edition = get_edition(session, edition_id)
        add_notification(session, f"draft-ready:{edition_id}", "draft_ready", {
            "edition_id": edition_id, "kind": edition.kind,
            "entries": _count_entries(edition.plan or "{}"),
            **_period(edition)})
    send_pending(app)


def _count_entries(plan_json: str) -> int:
    import json

    try:
        plan = json.loads(plan_json)
    except ValueError:
        return 0
    return sum(len(section.get("entries", ())) for section in plan.get("sections", ()))


def watch_and_notify(app: App, now_at: datetime | None = None) -> dict[str, int]:
    """Queue what went wrong or finished since the last look, then send what is queued."""
    from pipeline.jobs.scheduled import scheduled_jobs

    settings = app.settings
    now_at = now_at or datetime.now(UTC)
    with recorded_run(app, "notify") as run:
        queued = 0
        with app.session() as session:
            since_before = now_at - timedelta(hours=settings.notify_source_failing_hours)
            for source in failing_sources(session, since_before):
                assert source.failing_since_at is not None
                queued += add_notification(
                    session, f"source-failing:{source.id}:{source.failing_since_at.isoformat()}",
                    "source_failing", {"source": source.id,
                                       "since_at": source.failing_since_at.isoformat(),
                                       "error": (source.last_error or "")[:300]})
            names = [job.run_name for job in scheduled_jobs(settings) if job.enabled]
            for summary in job_summaries(session, names).values():
                if summary.failures_in_a_row >= settings.notify_job_failures:
                    streak = summary.last_ok_at.isoformat() if summary.last_ok_at else "never"
                    queued += add_notification(
                        session, f"job-failing:{summary.job}:{streak}", "job_failing",
                        {"job": summary.job, "failures": summary.failures_in_a_row,
                         "error": (summary.last_error or "")[:300]})
            for edition in finished_or_stopped_sends(session, now_at):
                details = {"edition_id": edition.id, "kind": edition.kind, **_period(edition)}
                if edition.status == EditionStatus.SENT:
                    counts = delivery_counts(session, edition.id)
                    details.update(sent=counts.get("sent", 0), failed=counts.get("failed", 0),
                                   bounced=counts.get("bounced", 0))
                    key = f"send-finished:{edition.id}"
                    queued += add_notification(session, key, "send_finished", details)
                else:
                    key = f"send-stopped:{edition.id}:{edition.updated_at.isoformat()}"
                    queued += add_notification(session, key, "send_stopped", details)
        run.stats.update(queued=queued, sent=send_pending(app))
        return dict(run.stats)


def send_pending(app: App) -> int:
    """Send the queued notifications to each recipient who does not have them yet; returns
    how many messages went. A relay that fails stops this round (kept for the next)."""
    settings = app.settings
    log = get_logger()
    with app.session(readonly=True) as session:
        pending = [(row.id, row.kind, dict(row.details), list(row.sent_to))
                   for row in pending_notifications(session)]
        audiences = {kind: recipients(session, roles) for kind, roles in AUDIENCES.items()}
    if pending and not settings.smtp_url:
        log.warning("notify.no_relay", waiting=len(pending),
                    hint="set PIPELINE_SMTP_URL to send the team's notifications")
        return 0
    sent = 0
    for notification_id, kind, details, sent_to in pending:
        for person in audiences.get(kind, []):
            if person.name in sent_to:
                continue
            subject, body = compose(Notice(kind, details), person.language or "en",
                                    base_url=settings.base_url, timezone=settings.timezone)
            try:
                send_message(settings.smtp_url,
                             build_message(settings.mail_from, person.email, subject, body))
            except PipelineError as exc:
                log.error("notify.failed", notification=notification_id, error=str(exc))
                with app.session() as session:
                    record_notification_error(session, notification_id, str(exc))
                return sent
            sent += 1
            with app.session() as session:
                mark_sent_to(session, notification_id, person.name)
        with app.session() as session:
            finish_notification(session, notification_id)
        log.info("notify.sent", notification=notification_id, kind=kind)
    return sent


__all__ = ["notify_draft_ready", "send_pending", "watch_and_notify"]
