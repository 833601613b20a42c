"""What the scheduler, ``pipeline status``, ``/healthz`` and the operations page read about
job runs, and the runs the scheduler records itself (a job stopped at its time limit, a job
that failed before it could record its own run)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.states import RunStatus
from pipeline.store import leases
from pipeline.store.models import Run
from pipeline.store.runs import LEASED_MODELS, run_owner, this_host


@dataclass(frozen=True, slots=True)
class JobSummary:
    """The runs of one job name, as far as scheduling and health care."""

    job: str
    last_started_at: datetime | None
    last_status: str | None
    last_finished_at: datetime | None
    last_error: str | None
    last_ok_at: datetime | None
    """When the newest successful run started."""
    last_ok_seconds: float | None
    """How long the newest successful run took."""
    running: bool
    failures_in_a_row: int


def job_summaries(session: Session, names: Sequence[str]) -> dict[str, JobSummary]:
    """A summary per job name that has runs."""
    names = list(dict.fromkeys(names))
    newest = dict(session.execute(select(Run.job, func.max(Run.id)).where(Run.job.in_(names))
                                  .group_by(Run.job)).all())
    newest_ok = dict(session.execute(
        select(Run.job, func.max(Run.id)).where(Run.job.in_(names),
                                                Run.status == RunStatus.OK)
        .group_by(Run.job)).all())
    running = set(session.scalars(select(Run.job).where(Run.job.in_(names),
                                                        Run.status == RunStatus.RUNNING)))
    wanted = {*newest.values(), *newest_ok.values()}
    rows = {run.id: run for run in session.scalars(select(Run).where(Run.id.in_(wanted)))}
    summaries = {}
    for job, run_id in newest.items():
        last, ok = rows[run_id], rows.get(newest_ok.get(job, -1))
        failures = 0
        if last.status in (RunStatus.FAILED, RunStatus.DEAD):
            failures = session.scalar(
                select(func.count()).select_from(Run)
                .where(Run.job == job, Run.id > (ok.id if ok else 0),
                       Run.status.in_((RunStatus.FAILED, RunStatus.DEAD)))) or 0
        summaries[job] = JobSummary(
            job=job, last_started_at=last.started_at, last_status=str(last.status),
            last_finished_at=last.finished_at, last_error=last.error,
            last_ok_at=ok.started_at if ok else None,
            last_ok_seconds=(ok.finished_at - ok.started_at).total_seconds()
            if ok and ok.finished_at else None,
            running=job in running, failures_in_a_row=failures)
    return summaries


def record_stopped_run(session: Session, job: str, *, host: str, pid: int,
                       started_at: datetime, error: str) -> int:
    """A job's process was stopped (its time limit) or killed: its runs since
    ``started_at`` become ``failed`` with ``error`` and their leases end now; when it had
    recorded none, one failed run says so. Returns how many runs were marked."""
    now_at = datetime.now(UTC)
    runs = list(session.scalars(select(Run).where(Run.host == host, Run.pid == pid,
                                                  Run.started_at >= started_at)))
    for run in runs:
        run.status = RunStatus.FAILED
        run.error = error
        run.finished_at = run.finished_at or now_at
        for model in LEASED_MODELS:
            leases.expire(session, model, owner=run_owner(run.id), now_at=now_at)
    if not runs:
        session.add(Run(job=job, started_at=started_at, finished_at=now_at,
                        status=RunStatus.FAILED, stats={}, error=error, host=host, pid=pid,
                        heartbeat_at=now_at))
    return len(runs)


def record_failed_start(session: Session, job: str, started_at: datetime, error: str) -> bool:
    """Record a failed run of ``job`` for this process unless it recorded one since
    ``started_at`` (a job that failed before its run began: a missing sources file)."""
    import os

    recorded = session.scalar(select(func.count()).select_from(Run).where(
        Run.host == this_host(), Run.pid == os.getpid(), Run.started_at >= started_at)) or 0
    if recorded:
        return False
    now_at = datetime.now(UTC)
    session.add(Run(job=job, started_at=started_at, finished_at=now_at,
                    status=RunStatus.FAILED, stats={}, error=error, host=this_host(),
                    pid=os.getpid(), heartbeat_at=now_at))
    return True


__all__ = ["JobSummary", "job_summaries", "record_failed_start", "record_stopped_run"]


# --- purge (retention settings) ----------------------------------------------------------------

def purge_runs(session: Session, before_at: datetime) -> int:
    """Finished runs that started before ``before_at``, except the newest run of each job
    (``pipeline status`` and the scheduler still see every job's last result)."""
    from sqlalchemy import delete

    newest = select(func.max(Run.id)).group_by(Run.job)
    result = session.execute(delete(Run).where(Run.started_at < before_at,
                                               Run.status != RunStatus.RUNNING,
                                               Run.id.not_in(newest))
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_irrelevant_items(session: Session, before_at: datetime) -> int:
    """Items classified not relevant, collected before ``before_at``, in no edition and
    corrected by nobody (their texts and labels go with them)."""
    from sqlalchemy import delete

    from pipeline.store.models import Classification, EditionItem, Item

    doomed = select(Item.id).join(Classification, Classification.item_id == Item.id).where(
        Classification.relevant.is_(False), Classification.corrected_by.is_(None),
        Item.fetched_at < before_at, Item.claimed_by.is_(None),
        Item.id.not_in(select(EditionItem.item_id)))
    ids = list(session.scalars(doomed))
    for start in range(0, len(ids), 500):
        session.execute(delete(Item).where(Item.id.in_(ids[start:start + 500]))
                        .execution_options(synchronize_session=False))
    return len(ids)


def purge_notifications(session: Session, before_at: datetime) -> int:
    from sqlalchemy import delete

    from pipeline.store.models import Notification

    result = session.execute(delete(Notification).where(Notification.sent_at < before_at)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
