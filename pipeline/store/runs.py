"""Job runs, for ``pipeline status`` and the logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.store.models import Run


def start_run(session: Session, job: str) -> Run:
    run = Run(job=job, started_at=datetime.now(UTC), status="running", stats={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, status: str, stats: dict[str, Any],
               error: str | None = None) -> None:
    run = session.get(Run, run_id)
    if run is None:
        return
    run.finished_at = datetime.now(UTC)
    run.status = status
    run.stats = stats
    run.error = error


def last_runs(session: Session) -> list[Run]:
    """The newest run of every job."""
    newest = select(Run.job, func.max(Run.id).label("id")).group_by(Run.job).subquery()
    return list(session.scalars(select(Run).join(newest, Run.id == newest.c.id).order_by(Run.job)))
