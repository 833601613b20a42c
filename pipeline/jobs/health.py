"""Is all well? The database answers, a scheduler holds the lease, and every scheduled job
succeeded recently enough: what ``/healthz``, ``/metrics`` and the operations page report.

A job is **late** when no run has succeeded since the firing before its latest one (a whole
period went by without success: the latest firing may still be running or retrying), and
**failing** when its last ``notify_job_failures`` runs failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.app import App
from pipeline.errors import PipelineError
from pipeline.jobs.scheduled import scheduled_jobs
from pipeline.scheduler import LEASE_NAME, ScheduledJob
from pipeline.store.leases import named_lease_holder
from pipeline.store.metrics import check_database
from pipeline.store.operations import JobSummary, job_summaries


@dataclass(frozen=True, slots=True)
class JobHealth:
    name: str
    schedule: str
    state: str
    """ok | late | failing | never (not run yet) | off"""
    next_at: datetime | None
    last_status: str | None
    last_started_at: datetime | None
    last_ok_at: datetime | None
    last_ok_seconds: float | None
    last_error: str | None
    failures: int

    @property
    def healthy(self) -> bool:
        return self.state in ("ok", "off")


@dataclass(frozen=True, slots=True)
class Health:
    database: str
    """ok, or the error (one line)"""
    scheduler: str | None
    """The active scheduler (host:pid:…), None when none holds the lease."""
    scheduler_since: datetime | None
    jobs: tuple[JobHealth, ...]

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.scheduler is not None and \
            all(job.healthy for job in self.jobs)


def job_health(job: ScheduledJob, runs: JobSummary | None, now_at: datetime,
               failures_allowed: int) -> JobHealth:
    base: dict[str, Any] = dict(
        name=job.name, schedule=job.schedule, next_at=None, last_status=None,
        last_started_at=None, last_ok_at=None, last_ok_seconds=None, last_error=None,
        failures=0)
    if not job.enabled:
        return JobHealth(state="off", **base)
    base["next_at"] = job.next_at(now_at)
    if runs is not None:
        base.update(last_status=runs.last_status, last_started_at=runs.last_started_at,
                    last_ok_at=runs.last_ok_at, last_ok_seconds=runs.last_ok_seconds,
                    last_error=runs.last_error, failures=runs.failures_in_a_row)
    latest = job.due_at(now_at)
    before = job.due_at(latest - timedelta(microseconds=1)) if latest else None
    if runs is None or runs.last_ok_at is None:
        state = "never" if runs is None else "failing"
    elif runs.failures_in_a_row >= failures_allowed:
        state = "failing"
    elif before is not None and runs.last_ok_at < before:
        state = "late"
    else:
        state = "ok"
    return JobHealth(state=state, **base)


def check_health(app: App, now_at: datetime | None = None) -> Health:
    now_at = now_at or datetime.now(UTC)
    jobs = scheduled_jobs(app.settings)
    try:
        with app.session(readonly=True) as session:
            check_database(session)
            holder = named_lease_holder(session, LEASE_NAME, now_at)
            runs = job_summaries(session, [job.run_name for job in jobs])
    except PipelineError as exc:
        return Health(database=str(exc), scheduler=None, scheduler_since=None, jobs=())
    return Health(
        database="ok", scheduler=holder.owner if holder else None,
        scheduler_since=holder.acquired_at if holder else None,
        jobs=tuple(job_health(job, runs.get(job.run_name), now_at,
                              app.settings.notify_job_failures) for job in jobs))


__all__ = ["Health", "JobHealth", "check_health", "job_health"]
