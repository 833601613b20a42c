"""``pipeline worker``: one of any number of processes, on any number of hosts, sharing the
collection, the processing and the sending through claims in the database (leases renewed by
each run's heartbeat, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL): due sources are claimed a
batch at a time, so each feed is fetched once per interval however many workers there are;
new items are claimed the same way by the processing job, and so are the deliveries of an
edition being sent (``pipeline send``, the Send page or the scheduler start a send; workers
join it).

A worker starts a run only when there is work (a cheap count first), keeps its parse workers
and its translation engines between batches, and waits ``worker_poll_seconds`` when it found
nothing. A database that goes away costs a logged round, never the worker.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.app import App
from pipeline.collect import ParseSandbox
from pipeline.errors import PipelineError
from pipeline.jobs.collect import collect, parse_limits, sync_sources_file
from pipeline.log import get_logger
from pipeline.permissions import SYSTEM
from pipeline.store.editions import sending_editions
from pipeline.store.processing import count_pending
from pipeline.store.runs import this_host
from pipeline.store.sources import count_due_sources
from pipeline.translate import Translator, build_translator

WORK_KINDS = ("collect", "process", "send")


@dataclass(slots=True)
class WorkerReport:
    sources: int = 0
    items: int = 0
    rounds: int = 0
    messages: int = 0
    sources_stamp: int | None = None
    """The sources file's modification time when it was last synced."""


def run_worker(app: App, kinds: tuple[str, ...], stop: threading.Event) -> WorkerReport:
    """Work until ``stop`` is set (the batch under way is finished first)."""
    log = get_logger(worker=f"{this_host()}:{os.getpid()}")
    report = WorkerReport()
    sandbox = ParseSandbox(parse_limits(app)).start() if "collect" in kinds else None
    translator: Translator | None = None
    failing = False
    log.info("worker.started", kinds=",".join(kinds))
    try:
        while not stop.is_set():
            done = 0
            try:
                if "collect" in kinds and sandbox is not None:
                    done += collect_batch(app, sandbox, report)
                if "process" in kinds and not stop.is_set():
                    if translator is None and _pending(app):
                        translator = _translator(app)
                    done += process_pending(app, translator, report)
                if "send" in kinds and not stop.is_set():
                    done += send_batch(app, report, stop)
                if failing:
                    log.info("worker.database_back")
                failing = False
            except PipelineError as exc:
                if not failing:
                    log.error("worker.round_failed", error=str(exc))
                failing, done = True, 0
            report.rounds += 1
            if not done:
                stop.wait(app.settings.worker_poll_seconds)
    finally:
        if sandbox is not None:
            sandbox.close()
        log.info("worker.stopped", sources=report.sources, items=report.items)
    return report


def collect_batch(app: App, sandbox: ParseSandbox, report: WorkerReport) -> int:
    """Collect one claimed batch of due sources; how many were collected. The sources
    file is read again when it changed."""
    path = app.settings.sources_path
    stamp = path.stat().st_mtime_ns if path.exists() else None
    if stamp is None or stamp != report.sources_stamp:
        sync_sources_file(app)  # a missing or bad file raises: the round fails, logged
        report.sources_stamp = stamp
    with app.session(readonly=True) as session:
        if not count_due_sources(session, datetime.now(UTC)):
            return 0
    done = collect(app, actor=SYSTEM, due_only=True, sandbox=sandbox,
                   limit=app.settings.worker_batch_size)
    report.sources += len(done.sources)
    return len(done.sources)


def _pending(app: App) -> int:
    with app.session(readonly=True) as session:
        return count_pending(session)


def _translator(app: App) -> Translator:
    settings = app.settings
    return build_translator(settings.translation_engines, glossary_path=settings.glossary_path,
                            pair_engines=settings.pair_engines)


def process_pending(app: App, translator: Translator | None, report: WorkerReport) -> int:
    """Process the new items (claimed in batches with the other workers)."""
    from pipeline.jobs.process import process

    if translator is None or not _pending(app):
        return 0
    done = process(app, SYSTEM, translator=translator)
    report.items += done.processed + done.failed
    return done.processed + done.failed


def send_batch(app: App, report: WorkerReport, stop: threading.Event) -> int:
    """Join every edition being sent (the sender claims deliveries a batch at a time with the
    other senders, so each subscriber gets one message however many workers send); deferred
    messages are left to a later round. How many messages this round handled."""
    from pipeline.jobs.send import send_edition

    with app.session(readonly=True) as session:
        editions = sending_editions(session)
    done = 0
    for edition_id in editions:
        if stop.is_set():
            break
        result = send_edition(app, SYSTEM, edition_id, wait=False, stop=stop)
        done += sum(result.this_run.values())
    report.messages += done
    return done


__all__ = ["WORK_KINDS", "WorkerReport", "collect_batch", "process_pending", "run_worker",
           "send_batch"]
