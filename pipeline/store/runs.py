"""Job runs, for ``pipeline status`` and the logs; a run owns the leases its job claims.

A run records the host and process id that runs it and a heartbeat it renews while working
(:func:`beat`, from :func:`pipeline.jobs.runs.recorded_run`), together with its leases. A run
still "running" is found dead (:func:`mark_dead_runs`, called when any run starts and by
``pipeline status``) when its process is gone from this host, or when its heartbeat is older
than :data:`DEAD_AFTER` (a run on another host, or a pre-heartbeat row). Its leases are
expired at once, so the next claim takes its work over.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.states import RunStatus
from pipeline.store import leases
from pipeline.store.models import Delivery, Item, Run, Source, Submission

HEARTBEAT_SECONDS = 10.0
"""How often a working run renews its heartbeat and its leases."""
LEASE_SECONDS = 60.0
"""How long a claim lasts without renewal: six missed heartbeats."""
DEAD_AFTER = timedelta(seconds=LEASE_SECONDS)
"""A running run whose heartbeat is older than this is dead, wherever it ran."""
LEASED_MODELS = (Item, Delivery, Source, Submission)
"""Tables whose rows a run may hold leases on."""


def this_host() -> str:
    return socket.gethostname()[:255]


def run_owner(run_id: int) -> str:
    """The lease owner name of a run."""
    return f"run:{run_id}"


def start_run(session: Session, job: str, *, now_at: datetime | None = None) -> Run:
    now_at = now_at or datetime.now(UTC)
    run = Run(job=job, started_at=now_at, status=RunStatus.RUNNING, stats={},
              host=this_host(), pid=os.getpid(), heartbeat_at=now_at)
    session.add(run)
    session.flush()
    return run


def beat(session: Session, run_id: int, *, now_at: datetime | None = None) -> None:
    """Renew a run's heartbeat and every lease it holds."""
    now_at = now_at or datetime.now(UTC)
    run = session.get(Run, run_id)
    if run is None or run.status != RunStatus.RUNNING:
        return
    run.heartbeat_at = now_at
    for model in LEASED_MODELS:
        leases.renew(session, model, owner=run_owner(run_id), lease_seconds=LEASE_SECONDS,
                     now_at=now_at)


def save_run_stats(session: Session, run_id: int, stats: dict[str, Any]) -> None:
    """Keep a run's counts as they are now (in the transaction of the work they count)."""
    run = session.get(Run, run_id)
    if run is not None:
        run.stats = dict(stats)


def finish_run(session: Session, run_id: int, status: RunStatus, stats: dict[str, Any],
               error: str | None = None) -> None:
    run = session.get(Run, run_id)
    if run is None:
        return
    run.finished_at = datetime.now(UTC)
    run.status = status
    run.stats = dict(stats)
    run.error = error
    for model in LEASED_MODELS:
        leases.expire(session, model, owner=run_owner(run_id))


def process_is_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this host (a zombie counts as gone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def mark_dead_runs(session: Session, *, now_at: datetime | None = None) -> list[Run]:
    """Mark dead the running runs whose process is gone (this host) or whose heartbeat
    stopped (any host), and expire their leases; returns them."""
    now_at = now_at or datetime.now(UTC)
    host = this_host()
    running = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)
                              .with_for_update(skip_locked=True))
    dead = []
    for run in running:
        last_seen_at = run.heartbeat_at or run.started_at
        gone = run.host == host and run.pid is not None and not process_is_alive(run.pid)
        if gone or last_seen_at < now_at - DEAD_AFTER:
            run.status = RunStatus.DEAD
            run.finished_at = now_at
            run.error = ("its process ended without finishing the run" if gone else
                         f"no heartbeat since {last_seen_at:%Y-%m-%d %H:%M:%S} UTC")
            for model in LEASED_MODELS:
                leases.expire(session, model, owner=run_owner(run.id), now_at=now_at)
            dead.append(run)
    return dead


def last_runs(session: Session) -> list[Run]:
    """The newest run of every job."""
    newest = select(Run.job, func.max(Run.id).label("id")).group_by(Run.job).subquery()
    return list(session.scalars(select(Run).join(newest, Run.id == newest.c.id).order_by(Run.job)))


def running_runs(session: Session) -> list[Run]:
    return list(session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)
                                .order_by(Run.id)))
