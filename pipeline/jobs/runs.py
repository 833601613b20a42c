"""Run bookkeeping, once for every job: :func:`recorded_run`.

::

    with recorded_run(app, "process") as run:
        ...                      # claim with owner=run.owner, count into run.stats
        run.save_stats(session)  # optional: counts kept with the work they count

On entry the dead runs are marked (:func:`pipeline.store.runs.mark_dead_runs`), a run row is
written with this host and process id, ``run_id`` and ``job`` are bound to the log context and
a heartbeat thread renews the run's heartbeat and leases every
:data:`~pipeline.store.runs.HEARTBEAT_SECONDS`. On exit the run is finished ``ok`` with its
counts, or ``failed`` with the error's first line (the error is raised again), its remaining
leases are expired, and the log context is restored as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.errors import PipelineError
from pipeline.log import get_logger
from pipeline.states import RunStatus
from pipeline.store.runs import (
    HEARTBEAT_SECONDS,
    beat,
    finish_run,
    mark_dead_runs,
    run_owner,
    save_run_stats,
    start_run,
)


@dataclass
class RunRecord:
    """The run a job is doing: its id, the owner name of its leases, and its counts."""

    id: int
    job: str
    stats: dict[str, Any] = field(default_factory=dict)
    log: Any = None

    @property
    def owner(self) -> str:
        return run_owner(self.id)

    def save_stats(self, session: Session) -> None:
        """Write the counts as they are now, in ``session``'s transaction."""
        save_run_stats(session, self.id, self.stats)


class Heartbeat:
    """A daemon thread renewing a run's heartbeat and leases until stopped."""

    def __init__(self, app: App, run_id: int, interval: float = HEARTBEAT_SECONDS) -> None:
        self.app, self.run_id, self.interval = app, run_id, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{run_id}",
                                       daemon=True)

    def start(self) -> Heartbeat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        log = get_logger(run_id=self.run_id)
        while not self.stopped.wait(self.interval):
            try:
                with self.app.session() as session:
                    beat(session, self.run_id)
            except PipelineError as exc:  # the next beat may get through
                log.warning("run.heartbeat_failed", error=str(exc))


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def recorded_run(app: App, job: str) -> Iterator[RunRecord]:
    """Record one run of ``job`` from start to finish (see the module docstring)."""
    with app.session() as session:
        dead = mark_dead_runs(session)
        run_id = start_run(session, job).id
    record = RunRecord(id=run_id, job=job)
    with structlog.contextvars.bound_contextvars(run_id=run_id, job=job):
        record.log = get_logger()
        for run in dead:
            record.log.warning("run.dead", dead_run_id=run.id, dead_job=run.job,
                               error=run.error)
        heartbeat = Heartbeat(app, run_id).start()
        try:
            yield record
        except BaseException as exc:
            heartbeat.stop()
            _finish(app, record, RunStatus.FAILED, describe_error(exc))
            raise
        heartbeat.stop()
        _finish(app, record, RunStatus.OK, None)


def _finish(app: App, record: RunRecord, status: RunStatus, error: str | None) -> None:
    """Finish the run; a database that fails now is logged, and never hides the job's own
    error (the run is then found dead later)."""
    try:
        with app.session() as session:
            finish_run(session, record.id, status, record.stats, error=error)
    except PipelineError as exc:
        record.log.error("run.finish_failed", error=str(exc))
        if status is RunStatus.OK:
            raise


__all__ = ["Heartbeat", "RunRecord", "describe_error", "recorded_run"]
