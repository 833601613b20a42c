"""``pipeline schedule``: fires the scheduled jobs (APScheduler 3 cron triggers in the team's
time zone) while this process holds the scheduler lease, each job in a child process under
its time limit.

- **One active scheduler.** Any number of ``pipeline schedule`` processes may run (on one
  host or several, sharing the database); the one holding the named lease ``scheduler``
  (:func:`pipeline.store.leases.acquire_named_lease`) fires jobs and renews the lease every
  third of its length; the others wait as hot standbys and take over once it expires (the
  active one died) or is released (it stopped).
- **APScheduler** decides when a job is due: cron triggers in ``settings.timezone``, coalesced
  missed runs, one instance per job, a misfire grace (``schedule_misfire_grace``).
- **Nothing missed.** On becoming active, and every minute after, the scheduler compares each
  job's latest due firing with the runs recorded in the database: a firing that no run
  answered (the scheduler was down, or the firing came later than its grace) is fired once
  now, and a failed one again after ``schedule_retry_minutes``. Jobs are idempotent (sources
  and items are claimed, a scheduled draft has one key per period, deliveries are claimed),
  so firing again never duplicates anything.
- **Time limits.** Each firing runs in a child process of its own (its own session, so the
  limit stops what the job started too): a job still running after its limit is stopped
  (SIGTERM, then SIGKILL) and its run recorded as failed; a job that raises is recorded failed
  by its own run; the scheduler goes on either way.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.app import App
from pipeline.errors import PipelineError, one_line
from pipeline.log import get_logger
from pipeline.settings import SCHEDULE_OFF, Settings, parse_cron
from pipeline.store.leases import acquire_named_lease, release_named_lease
from pipeline.store.operations import JobSummary, job_summaries, record_stopped_run
from pipeline.store.runs import this_host

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

LEASE_NAME = "scheduler"
CHECK_SECONDS = 60.0
"""How often the active scheduler looks for firings no run answered."""
STOP_GRACE_SECONDS = 10.0
"""How long a stopped job has to finish after SIGTERM before SIGKILL."""
_WINDOWS = (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1), timedelta(days=8),
            timedelta(days=32), timedelta(days=367), timedelta(days=4 * 366))


@dataclass(frozen=True)
class ScheduledJob:
    """A job the scheduler fires: ``target`` (``module:function`` taking an
    :class:`~pipeline.app.App`) runs in a child process and records its runs under
    ``run_name``."""

    name: str
    schedule: str
    target: str
    run_name: str
    time_limit: float
    timezone: str = "UTC"
    setting: str = ""
    """The setting the schedule comes from (named by a bad expression's error)."""

    @property
    def enabled(self) -> bool:
        return self.schedule.strip().lower() != SCHEDULE_OFF

    @cached_property
    def trigger(self) -> CronTrigger:
        return parse_cron(self.schedule, self.setting or self.name, self.timezone)

    def due_at(self, now_at: datetime) -> datetime | None:
        """The latest firing at or before ``now_at`` (UTC)."""
        return previous_fire_time(self.trigger, now_at)

    def next_at(self, now_at: datetime) -> datetime | None:
        """The next firing after ``now_at`` (UTC)."""
        upcoming = self.trigger.get_next_fire_time(None, now_at + timedelta(microseconds=1))
        return upcoming.astimezone(UTC) if upcoming else None


def previous_fire_time(trigger: CronTrigger, now_at: datetime) -> datetime | None:
    """The latest time ``trigger`` fires at or before ``now_at``, in UTC (None if never
    within four years). Arithmetic stays in UTC: a local time across a DST change would
    lose its fold."""
    now_at = now_at.astimezone(UTC)
    for window in _WINDOWS:
        first = trigger.get_next_fire_time(None, now_at - window)
        if first is None or first.astimezone(UTC) > now_at:
            continue
        fired = first.astimezone(UTC)
        while True:
            upcoming = trigger.get_next_fire_time(fired, fired + timedelta(microseconds=1))
            if upcoming is None or upcoming.astimezone(UTC) <= fired \
                    or upcoming.astimezone(UTC) > now_at:
                return fired
            fired = upcoming.astimezone(UTC)
    return None


# --- running one firing --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    """ok | failed | stopped (over its time limit, or the scheduler stopping)"""
    seconds: float
    error: str | None = None


def resolve_target(target: str) -> Callable[[App], object]:
    module, _, name = target.partition(":")
    function: Callable[[App], object] = getattr(importlib.import_module(module), name)
    return function


def run_in_child(settings: Settings, job: ScheduledJob, owner: str) -> None:
    """The child process: its own session (a time limit stops everything it started), logs
    like its parent, SIGTERM raised as an interruption so that the run records it."""
    from pipeline.jobs.runs import describe_error
    from pipeline.log import configure_logging
    from pipeline.store.operations import record_failed_start

    os.setsid()

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    configure_logging(settings.log_format)
    log = get_logger(job=job.name, scheduler=owner)
    app = App(settings)
    started_at = datetime.now(UTC)
    try:
        resolve_target(job.target)(app)
    except BaseException as exc:
        if isinstance(exc, PipelineError):
            log.error("job.failed", error=str(exc))
        elif not isinstance(exc, KeyboardInterrupt):
            log.exception("job.crashed", error=one_line(exc))
        try:  # a job that failed before recording its run is recorded here
            with app.session() as session:
                record_failed_start(session, job.run_name, started_at, describe_error(exc))
        except PipelineError:
            pass
        os._exit(1)
    finally:
        app.close()


class ChildRunner:
    """Runs each firing in a child process (multiprocessing "spawn": a fresh interpreter,
    safe from a threaded parent) and waits for it within the job's time limit."""

    def __init__(self, app: App, owner: str) -> None:
        self.app, self.owner = app, owner
        self.children: dict[str, BaseProcess] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def __call__(self, job: ScheduledJob) -> Outcome:
        started_at = datetime.now(UTC)
        child = multiprocessing.get_context("spawn").Process(
            target=run_in_child, args=(self.app.settings, job, self.owner),
            name=f"pipeline-job-{job.name}")
        child.start()
        with self.lock:
            self.children[job.name] = child
        try:
            child.join(job.time_limit)
            if child.is_alive():
                reason = (f"stopped: still running after its time limit of "
                          f"{job.time_limit:g} s" if not self.stopping.is_set()
                          else "stopped: the scheduler was stopping")
                stop_process_group(child)
                self._record_stop(job, child, started_at, reason)
                return Outcome("stopped", _since(started_at), reason)
        finally:
            with self.lock:
                self.children.pop(job.name, None)
        if child.exitcode == 0:
            return Outcome("ok", _since(started_at))
        if self.stopping.is_set():
            return Outcome("stopped", _since(started_at), "the scheduler was stopping")
        if child.exitcode is not None and child.exitcode < 0:
            reason = f"its process was killed (signal {-child.exitcode})"
            self._record_stop(job, child, started_at, reason)
            return Outcome("failed", _since(started_at), reason)
        return Outcome("failed", _since(started_at),
                       f"exit status {child.exitcode} (the job's run and log say why)")

    def _record_stop(self, job: ScheduledJob, child: BaseProcess, started_at: datetime,
                     reason: str) -> None:
        try:
            with self.app.session() as session:
                record_stopped_run(session, job.run_name, host=this_host(), pid=child.pid or 0,
                                   started_at=started_at, error=reason)
        except PipelineError as exc:
            get_logger(job=job.name).error("job.stop_not_recorded", error=str(exc))

    def stop_all(self) -> None:
        """Interrupt every running child (the scheduler is stopping)."""
        self.stopping.set()
        with self.lock:
            children = list(self.children.values())
        for child in children:
            stop_process_group(child)


def stop_process_group(child: BaseProcess) -> None:
    """SIGTERM to the child's process group, SIGKILL to what is left after a grace."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        if not child.is_alive():
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid or 0, sig)
        child.join(grace)
    # the job's own children (parse workers, pg_dump) share its group
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid or 0, signal.SIGKILL)


def _since(started_at: datetime) -> float:
    return (datetime.now(UTC) - started_at).total_seconds()


# --- the scheduler --------------------------------------------------------------------------

class _Aps(BaseScheduler):
    """APScheduler 3 without a thread of its own: :meth:`Scheduler.step` processes the due
    jobs while this process is the active scheduler."""

    def __init__(self, wake: threading.Event, **options: Any) -> None:
        self._wake = wake
        super().__init__(**options)

    def wakeup(self) -> None:
        self._wake.set()

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def process_due(self) -> float | None:
        """Submit the due jobs; seconds until the next one (None: none scheduled)."""
        wait: float | None = self._process_jobs()
        return wait


Runner = Callable[[ScheduledJob], Outcome]


@dataclass
class _State:
    leading: bool = False
    renewed_at: datetime | None = None
    check_at: datetime | None = None
    lease_error: bool = False
    running: set[str] = field(default_factory=set)
    attempted_at: dict[str, datetime] = field(default_factory=dict)


class Scheduler:
    """One ``pipeline schedule`` process (see the module docstring). ``runner`` runs one
    firing (a child process by default); ``inline`` runs due jobs in the caller's thread
    (tests drive :meth:`step` with a controlled clock)."""

    def __init__(self, app: App, jobs: list[ScheduledJob], *, runner: Runner | None = None,
                 inline: bool = False) -> None:
        settings = app.settings
        self.app = app
        self.jobs = {job.name: job for job in jobs if job.enabled}
        for job in self.jobs.values():
            job.trigger  # noqa: B018 - a bad expression fails now, naming its setting
        self.owner = f"{this_host()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease_seconds = float(settings.scheduler_lease_seconds)
        self.retry = timedelta(minutes=settings.schedule_retry_minutes)
        self.child_runner = ChildRunner(app, self.owner) if runner is None else None
        self.runner: Runner = runner or self.child_runner  # type: ignore[assignment]
        self.wake = threading.Event()
        self.state = _State()
        self.lock = threading.Lock()
        self.log = get_logger(scheduler=self.owner)
        executor = DebugExecutor() if inline else ThreadPoolExecutor(max(1, len(self.jobs)))
        self.aps = _Aps(self.wake, timezone=settings.timezone,
                        executors={"default": executor},
                        job_defaults={"coalesce": True, "max_instances": 1,
                                      "misfire_grace_time": settings.schedule_misfire_grace})
        for job in self.jobs.values():
            self.aps.add_job(self._fire, job.trigger, args=(job.name,), id=job.name,
                             name=job.name)
        self.aps.start()

    @property
    def leading(self) -> bool:
        return self.state.leading

    # one round ---------------------------------------------------------------------------

    def step(self) -> float:
        """Hold (or wait for) the lease, fire what is due; seconds until the next round."""
        now_at = datetime.now(UTC)
        self._hold_lease(now_at)
        renew = self.lease_seconds / 3
        if not self.state.leading:
            return renew
        self._catch_up(now_at)
        wait = self.aps.process_due()
        return min(renew, CHECK_SECONDS, wait if wait is not None else CHECK_SECONDS)

    def next_due_at(self) -> datetime | None:
        """When APScheduler fires next (tests move their clock there)."""
        times = [job.next_run_time for job in self.aps.get_jobs() if job.next_run_time]
        return min(times).astimezone(UTC) if times else None

    def run_forever(self, stop: threading.Event) -> None:
        """Rounds until ``stop`` is set, then stop (see :meth:`close`)."""
        self.log.info("scheduler.started", jobs=",".join(self.jobs))
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    wait = self.step()
                except Exception as exc:  # never stop scheduling over one bad round
                    self.log.exception("scheduler.round_failed", error=one_line(exc))
                    wait = self.lease_seconds / 3
                deadline = time.monotonic() + max(wait, 0.0)
                while not stop.is_set() and not self.wake.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    stop.wait(min(left, 0.25))
        finally:
            self.close()

    def close(self) -> None:
        """Stop firing, give the lease up (a standby takes over at once) and interrupt the
        running jobs, whose runs record it."""
        was_leading = self.state.leading
        self.state.leading = False
        if self.child_runner is not None:
            self.child_runner.stop_all()
        self.aps.shutdown(wait=True)
        if was_leading:
            try:
                with self.app.session() as session:
                    release_named_lease(session, LEASE_NAME, owner=self.owner)
            except PipelineError as exc:
                self.log.warning("scheduler.lease_not_released", error=str(exc))
        self.log.info("scheduler.stopped")

    # the lease ---------------------------------------------------------------------------

    def _hold_lease(self, now_at: datetime) -> None:
        state = self.state
        try:
            with self.app.session() as session:
                held = acquire_named_lease(session, LEASE_NAME, owner=self.owner,
                                           lease_seconds=self.lease_seconds, now_at=now_at)
        except PipelineError as exc:
            if not state.lease_error:
                self.log.error("scheduler.database_unreachable", error=str(exc))
            state.lease_error = True
            # keep firing only while our lease has not run out (nobody else can take it)
            held = state.leading and state.renewed_at is not None and \
                now_at - state.renewed_at < timedelta(seconds=self.lease_seconds)
        else:
            if state.lease_error:
                self.log.info("scheduler.database_back")
            state.lease_error = False
            if held:
                state.renewed_at = now_at
        if held and not state.leading:
            self._become_active(now_at)
        elif not held and state.leading:
            state.leading = False
            self.log.warning("scheduler.standby", reason="another scheduler holds the lease")
        elif not held and state.check_at is None:
            state.check_at = now_at  # logged once: waiting as a standby
            self.log.info("scheduler.standby", reason="another scheduler is active")

    def _become_active(self, now_at: datetime) -> None:
        self.state.leading = True
        self.state.check_at = now_at
        for job in self.aps.get_jobs():  # forget what came due while standing by:
            self.aps.resume_job(job.id)   # the catch-up decides on missed firings
        self.log.info("scheduler.active", lease_seconds=self.lease_seconds)

    # missed and failed firings -----------------------------------------------------------

    def _catch_up(self, now_at: datetime) -> None:
        state = self.state
        if state.check_at is not None and now_at < state.check_at:
            return
        state.check_at = now_at + timedelta(seconds=CHECK_SECONDS)
        try:
            with self.app.session(readonly=True) as session:
                runs = job_summaries(session, [job.run_name for job in self.jobs.values()])
        except PipelineError as exc:
            self.log.warning("scheduler.check_failed", error=str(exc))
            return
        for job in self.jobs.values():
            if self._missed(job, runs.get(job.run_name), now_at):
                self.aps.modify_job(job.name, next_run_time=now_at)

    def _missed(self, job: ScheduledJob, runs: JobSummary | None, now_at: datetime) -> bool:
        due_at = job.due_at(now_at)
        with self.lock:
            running = job.name in self.state.running
        if due_at is None or running or (runs is not None and runs.running):
            return False
        if runs is not None and runs.last_ok_at is not None and runs.last_ok_at >= due_at:
            return False
        tried = [at for at in (runs.last_started_at if runs else None,
                               self.state.attempted_at.get(job.name)) if at is not None]
        last_try = max(tried) if tried else None
        if last_try is not None and last_try >= due_at and now_at - last_try < self.retry:
            return False
        self.log.info("job.catch_up", job=job.name, due_at=due_at.isoformat(),
                      retry=last_try is not None and last_try >= due_at)
        return True

    # one firing --------------------------------------------------------------------------

    def _fire(self, name: str) -> None:
        job = self.jobs[name]
        with self.lock:
            if name in self.state.running or not self.state.leading:
                return
            self.state.running.add(name)
            self.state.attempted_at[name] = datetime.now(UTC)
        log = self.log.bind(job=name)
        log.info("job.fired")
        try:
            outcome = self.runner(job)
            if outcome.status == "ok":
                log.info("job.done", seconds=round(outcome.seconds, 3))
            else:
                log.error("job.done", status=outcome.status, seconds=round(outcome.seconds, 3),
                          error=outcome.error)
        except Exception as exc:  # the scheduler outlives any job
            log.exception("job.runner_failed", error=one_line(exc))
        finally:
            with self.lock:
                self.state.running.discard(name)


__all__ = ["ChildRunner", "Outcome", "ScheduledJob", "Scheduler", "previous_fire_time"]
