"""``pipeline schedule``: APScheduler 3 running the jobs on cron schedules from the settings.

Every job runs at most once at a time (``max_instances=1``), missed runs are coalesced into one,
and a failing run is logged and recorded without stopping the scheduler: each job records its
own run (:func:`pipeline.jobs.runs.recorded_run`), failures included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler

from pipeline.app import App
from pipeline.errors import PipelineError
from pipeline.log import get_logger
from pipeline.settings import parse_cron


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    cron: str
    run: Callable[[App], object]


def guarded(job: ScheduledJob, app: App) -> Callable[[], None]:
    """Run one job, logging (not raising) its failure so that the scheduler goes on."""
    log = get_logger(job=job.name)

    def run() -> None:
        try:
            job.run(app)
        except PipelineError as exc:
            log.error("job.failed", error=str(exc))
        except Exception as exc:  # a bug must not stop the other jobs
            log.exception("job.crashed", error=repr(exc))

    return run


def build_scheduler(app: App, jobs: list[ScheduledJob]) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for job in jobs:
        trigger = parse_cron(job.cron, f"PIPELINE_{job.name.upper().replace('-', '_')}_SCHEDULE")
        scheduler.add_job(guarded(job, app), trigger, id=job.name, name=job.name,
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
    return scheduler
