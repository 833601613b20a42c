"""The jobs ``pipeline schedule`` fires (:func:`scheduled_jobs`), each acting as
:data:`~pipeline.permissions.SYSTEM`, each recording its runs, each safe to fire again:

=============  =============================  ================================================
job            default schedule               does (idempotent because…)
=============  =============================  ================================================
collect        every 5 minutes                fetches the due sources, each at its own interval
                                              and back-off (sources are claimed: one fetch)
process        every 10 minutes               classifies and translates new items (claimed)
press-review   Monday 06:00                   drafts the Press Review of the days since the
                                              previous firing (one draft per period: a key)
newsletter     1st of the month, 06:00        drafts the Newsletter of the previous month
send           every minute                   hands approved editions whose planned time came
                                              to the sender (deliveries are claimed)
bounces        every 15 minutes               reads bounces and complaints
purge          03:30 daily                    removes what the retention settings let go
backup         02:00 daily                    one backup file per day, the oldest removed
notify         every 15 minutes               tells the team what went wrong (one
                                              notification per key)
submissions    every 10 minutes               collects, classifies and translates what the
                                              ambassadors sent (submissions are claimed)
digest         Friday 16:00                   each ambassador's week, once per ISO week
=============  =============================  ================================================

Times are in the team's time zone (``PIPELINE_TIMEZONE``). Targets import their stages when
they run (in the scheduler's child process), so listing the jobs stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipeline.app import App
from pipeline.scheduler import ScheduledJob
from pipeline.settings import Settings

JOBS: tuple[tuple[str, str, str, str], ...] = (
    # name, setting, target function (this module), name its runs are recorded under
    ("collect", "collect_schedule", "collect_due", "collect"),
    ("process", "process_schedule", "process_new", "process"),
    ("press-review", "press_review_schedule", "draft_press_review", "draft press-review"),
    ("newsletter", "newsletter_schedule", "draft_newsletter", "draft newsletter"),
    ("send", "send_schedule", "send_planned", "send planned"),
    ("bounces", "bounces_schedule", "process_bounces", "bounces"),
    ("purge", "purge_schedule", "purge", "purge"),
    ("backup", "backup_schedule", "backup", "backup"),
    ("notify", "notify_schedule", "notify", "notify"),
    ("submissions", "submissions_schedule", "process_submissions", "submissions"),
    ("digest", "digest_schedule", "send_digests", "ambassador digest"),
)


def scheduled_jobs(settings: Settings) -> list[ScheduledJob]:
    """Every scheduled job with its schedule from the settings (``off`` ones included:
    :attr:`ScheduledJob.enabled` says)."""
    limits = settings.time_limits
    return [ScheduledJob(name=name, schedule=getattr(settings, setting),
                         target=f"{__name__}:{function}", run_name=run_name,
                         time_limit=float(limits[name]), timezone=settings.timezone,
                         setting=f"PIPELINE_{setting.upper()}")
            for name, setting, function, run_name in JOBS]


def job_named(settings: Settings, name: str) -> ScheduledJob:
    return next(job for job in scheduled_jobs(settings) if job.name == name)


# --- collection and processing ---------------------------------------------------------------

def collect_due(app: App) -> None:
    """Fetch the sources whose time has come (claimed, so that workers share them). The
    sources file is synced and the due sources counted first: when none is due (most
    firings) the run is recorded without starting the parse workers, and a database that is
    away fails the run before they start."""
    from pipeline.jobs.collect import collect, sync_sources_file
    from pipeline.jobs.runs import recorded_run
    from pipeline.permissions import SYSTEM
    from pipeline.store.sources import count_due_sources

    sync_sources_file(app)
    with app.session(readonly=True) as session:
        due = count_due_sources(session, datetime.now(UTC))
    if not due:
        with recorded_run(app, "collect") as run:
            run.stats.update(sources=0, new=0, failed=0)
        return
    collect(app, actor=SYSTEM, due_only=True)


def process_new(app: App) -> None:
    from pipeline.jobs.process import process
    from pipeline.permissions import SYSTEM

    process(app, SYSTEM)


# --- drafts --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SchedulePeriod:
    since_at: datetime
    until_at: datetime
    key: str
    """``press-review@2026-03-30``: the publication and the day its period ends (local)."""


def scheduled_period(job: ScheduledJob, kind: str, fired_at: datetime) -> SchedulePeriod:
    """The period a draft fired at ``fired_at`` covers: from the local day of the previous
    firing to the local day of this one (a week for a weekly schedule, the previous month
    for a monthly one), midnight to midnight in the team's time zone; for a schedule firing
    several times a day, exactly the time since the previous firing."""
    zone = ZoneInfo(job.timezone)
    previous = job.due_at(fired_at - timedelta(microseconds=1))
    if previous is not None and fired_at - previous < timedelta(days=1):
        # fired several times a day (the demo's fast schedules): exactly since the last one
        local = fired_at.astimezone(zone).isoformat(timespec="minutes")[:16]
        return SchedulePeriod(previous, fired_at, f"{kind}@{local}")
    local_end = fired_at.astimezone(zone).date()
    local_start = previous.astimezone(zone).date() if previous else \
        local_end - timedelta(days=7 if kind == "press-review" else 31)
    if local_start >= local_end:  # fired twice a day: the day before
        local_start = local_end - timedelta(days=1)
    since_at = datetime.combine(local_start, time(0), zone).astimezone(UTC)
    until_at = datetime.combine(local_end, time(0), zone).astimezone(UTC)
    return SchedulePeriod(since_at, until_at, f"{kind}@{local_end.isoformat()}")


def draft_scheduled(app: App, kind: str) -> int | None:
    """Draft ``kind`` for the period of its latest firing, once: an edition with the
    period's key already there, or no relevant item in the period, drafts nothing. The team
    is told when a draft is ready. Returns the new edition's id."""
    from pipeline.jobs.editions import draft
    from pipeline.jobs.notifications import notify_draft_ready
    from pipeline.jobs.runs import recorded_run
    from pipeline.permissions import SYSTEM
    from pipeline.store.candidates import load_candidates
    from pipeline.store.editions import find_scheduled_edition

    job = job_named(app.settings, kind)
    fired_at = job.due_at(datetime.now(UTC))
    if fired_at is None:
        return None
    period = scheduled_period(job, kind, fired_at)
    with app.session(readonly=True) as session:
        existing = find_scheduled_edition(session, period.key)
        relevant = 0 if existing else sum(
            1 for row in load_candidates(session, period.since_at, period.until_at)
            if row.relevant)
    if existing is not None or not relevant:
        with recorded_run(app, f"draft {kind}") as run:
            run.stats.update(key=period.key, **({"existing": existing.id} if existing
                                                 else {"empty": 1}))
            run.log.info("edition.not_drafted", key=period.key,
                         reason="already drafted" if existing else "no relevant item")
        return None
    edition = draft(app, SYSTEM, kind, period=(period.since_at, period.until_at),
                    schedule_key=period.key)
    notify_draft_ready(app, edition.id)
    return edition.id


def draft_press_review(app: App) -> None:
    draft_scheduled(app, "press-review")


def draft_newsletter(app: App) -> None:
    draft_scheduled(app, "newsletter")


# --- sending and bounces (the delivery stage) -----------------------------------------------

def send_planned(app: App) -> None:
    """Hand every approved edition whose planned time (``editions.send_at``) has come to
    the sender (:func:`start_send`)."""
    from pipeline.jobs.runs import recorded_run
    from pipeline.store.editions import planned_sends

    with recorded_run(app, "send planned") as run:
        with app.session(readonly=True) as session:
            due = planned_sends(session, datetime.now(UTC))
        run.stats.update(due=len(due))
        for edition_id in due:
            run.log.info("send.start", edition_id=edition_id)
            start_send(app, edition_id)
        run.stats.update(started=len(due))


def start_send(app: App, edition_id: int) -> None:
    """Send one approved edition (resumable, each subscriber once): a firing that finds it
    already sending (a sender that stopped) goes on with it."""
    from pipeline.jobs import send as sending
    from pipeline.permissions import SYSTEM

    sending.send_edition(app, SYSTEM, edition_id, resume=False)


def process_bounces(app: App) -> None:
    """Read the bounce mailbox (``bounce_mailbox``), when there is one."""
    from pipeline.deliver.bounces import iter_messages
    from pipeline.jobs import bounces
    from pipeline.jobs.runs import recorded_run
    from pipeline.permissions import SYSTEM

    mailbox = app.settings.bounce_mailbox
    if str(mailbox) in ("", "."):
        with recorded_run(app, "bounces") as run:
            run.stats.update(mailbox="none")
        return
    bounces.process_bounces(app, SYSTEM, iter_messages(mailbox))


# --- housekeeping ----------------------------------------------------------------------------

def purge(app: App) -> None:
    from pipeline.jobs.housekeeping import purge as run_purge

    run_purge(app)


def backup(app: App) -> None:
    from pipeline.jobs.housekeeping import scheduled_backup

    scheduled_backup(app)


def notify(app: App) -> None:
    from pipeline.jobs.notifications import watch_and_notify

    watch_and_notify(app)


# --- the ambassadors ---------------------------------------------------------------------------

def process_submissions(app: App) -> None:
    """Catch up on submissions the web app received and did not finish (after a restart)."""
    from pipeline.jobs import submissions

    submissions.process_submissions(app)


def send_digests(app: App) -> None:
    """Each ambassador's weekly digest (the digests table makes a second firing send none)."""
    from pipeline.jobs.digests import send_ambassador_digests
    from pipeline.permissions import SYSTEM

    send_ambassador_digests(app, SYSTEM)


__all__ = ["JOBS", "SchedulePeriod", "draft_scheduled", "job_named", "scheduled_jobs",
           "scheduled_period", "start_send"]
