"""Job: collect sources and store their items once.

Each job: gather (read config and stored rows), run a stage on typed records, then write
(store results in short transactions). Stages never import each other or the store.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from queue import Queue

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.collect import (
    FetchSettings,
    ParseLimits,
    ParseSandbox,
    collect_sources,
    plan_next_check,
)
from pipeline.config import load_sources
from pipeline.errors import ConfigError, StoreError
from pipeline.jobs.runs import RunRecord, recorded_run
from pipeline.log import get_logger
from pipeline.permissions import SYSTEM, Action, Actor, require
from pipeline.records import CollectedItem, SourceResult, SourceSpec
from pipeline.states import ItemOrigin
from pipeline.store.items import UpsertStats, upsert_items
from pipeline.store.runs import LEASE_SECONDS
from pipeline.store.sources import (
    claim_due_sources,
    failure_count_after,
    load_fetch_states,
    load_source_rows,
    paused_source_ids,
    record_fetch_result,
    sync_sources,
    waiting_source_ids,
)

Progress = Callable[[int, int], None]
STORE_BATCH = 50
STORE_ATTEMPTS = 3


def no_progress(done: int, total: int) -> None:
    return None


@dataclass(slots=True)
class SourceReport:
    source_id: str
    outcome: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    fallbacks: int = 0
    """Items whose article page could not be used: they keep their feed summary."""


@dataclass(slots=True)
class CollectReport:
    run_id: int
    sources: list[SourceReport]

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.sources if s.outcome == "failed")


def select_sources(specs: Sequence[SourceSpec], only: Sequence[str]) -> list[SourceSpec]:
    """The sources named by ``--source`` (all must exist), or every enabled one."""
    by_id = {s.id: s for s in specs}
    unknown = [s for s in only if s not in by_id]
    if unknown:
        raise ConfigError(f"unknown source id(s): {', '.join(unknown)}", path="--source")
    if only:
        return [by_id[s] for s in only]
    return [s for s in specs if s.enabled]


def sync_sources_file(app: App) -> int:
    """Bring the sources table in step with ``sources.toml`` (a worker does it when it
    starts and whenever the file changes); returns how many sources it lists."""
    specs = load_sources(app.settings.sources_path)
    with app.session() as session:
        sync_sources(session, specs)
    return len(specs)


def parse_limits(app: App) -> ParseLimits:
    return ParseLimits(time_s=float(app.settings.parse_time_limit),
                       memory_mb=app.settings.parse_memory_limit_mb)


def collect(app: App, only: Sequence[str] = (), *, actor: Actor = SYSTEM,
            specs: Sequence[SourceSpec] | None = None, progress: Progress = no_progress,
            due_only: bool = False, sandbox: ParseSandbox | None = None,
            limit: int | None = None) -> CollectReport:
    """Fetch sources, store new items once, and record each source's state or error.

    ``due_only`` fetches the sources whose next check has come, claimed for this run (so
    that collectors on several hosts share them, each fetched once), at most ``limit``; a
    long-lived ``sandbox`` (a worker's) spares starting the parse workers each time."""
    require(actor, Action.MANAGE_SOURCES)
    all_specs = list(specs) if specs is not None else load_sources(app.settings.sources_path)
    chosen = select_sources(all_specs, only)
    if sandbox is not None:
        with recorded_run(app, "collect") as run:
            return _collect(app, run, all_specs, chosen, only, sandbox, progress=progress,
                            due_only=due_only, limit=limit)
    # started first: the workers load the parsers while the database opens
    with ParseSandbox(parse_limits(app)).start() as sandbox, \
            recorded_run(app, "collect") as run:
        return _collect(app, run, all_specs, chosen, only, sandbox, progress=progress,
                        due_only=due_only, limit=limit, own_sandbox=True)


def _collect(app: App, run: RunRecord, all_specs: Sequence[SourceSpec],
             chosen: list[SourceSpec], only: Sequence[str], sandbox: ParseSandbox, *,
             progress: Progress, due_only: bool, limit: int | None = None,
             own_sandbox: bool = False) -> CollectReport:
    now_at = datetime.now(UTC)
    with app.session() as session:
        sync_sources(session, all_specs)
        if not only:  # a paused source is fetched again only when named with --source
            paused = paused_source_ids(session)
            chosen = [s for s in chosen if s.id not in paused]
        if due_only and not only:
            due = set(claim_due_sources(session, [s.id for s in chosen], owner=run.owner,
                                        lease_seconds=LEASE_SECONDS,
                                        limit=limit or max(len(chosen), 1), now_at=now_at))
            chosen = [s for s in chosen if s.id in due]
        # a host that asked to wait (429/503 Retry-After) is not asked again before then
        waiting = waiting_source_ids(session, [s.id for s in chosen], now_at)
        chosen = [s for s in chosen if s.id not in waiting]
        states = load_fetch_states(session, [s.id for s in chosen])
    run.log.info("collect.start", sources=len(chosen), waiting=len(waiting))
    fetch_settings = FetchSettings(allow_private_addresses=app.settings.allow_private_addresses,
                                   loopback_only=app.settings.loopback_only,
                                   max_in_flight=app.settings.fetch_concurrency)
    writer = ResultWriter(app, chosen, progress)
    try:
        asyncio.run(collect_sources(chosen, states, fetch_settings, on_result=writer.put,
                                    sandbox=sandbox))
        if own_sandbox:  # its workers wind down while the last results are stored
            sandbox.stop()
        reports = writer.close() + [
            SourceReport(source_id=source_id, outcome="waiting",
                         error=f"the host asked to wait until "
                               f"{until_at.isoformat(timespec='seconds')} (429/503 "
                               "Retry-After): not fetched")
            for source_id, until_at in sorted(waiting.items())]
    except BaseException:
        run.stats["stored"] = len(writer.close(raise_error=False))
        raise
    run.stats.update(sources=len(reports), new=sum(r.new for r in reports),
                     failed=sum(1 for r in reports if r.outcome == "failed"),
                     waiting=len(waiting), warnings=sum(len(r.warnings) for r in reports),
                     fallbacks=sum(r.fallbacks for r in reports))
    run.log.info("collect.done", **run.stats)
    return CollectReport(run_id=run.id, sources=reports)


class ResultWriter:
    """Stores each finished source from a thread of its own while the others are still being
    fetched: batches of whatever has arrived, one short transaction per batch. The event loop
    only queues results; a storing error is raised by :meth:`close`, after the fetch."""

    def __init__(self, app: App, chosen: Sequence[SourceSpec], progress: Progress) -> None:
        self.app, self.chosen, self.progress = app, chosen, progress
        self.queue: Queue[tuple[int, SourceResult] | None] = Queue()
        self.reports: dict[int, SourceReport] = {}
        self.received = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(  # the same log context (run id) as the caller
            target=contextvars.copy_context().run, args=(self._run,), name="collect-writer",
            daemon=True)
        self.thread.start()

    def put(self, index: int, result: SourceResult) -> None:
        self.queue.put((index, result))
        self.received += 1
        self.progress(self.received, len(self.chosen))

    def close(self, *, raise_error: bool = True) -> list[SourceReport]:
        """Wait until everything queued is stored; the reports in the order of the sources."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and raise_error:
            raise self.error
        return [self.reports[i] for i in sorted(self.reports)]

    def _run(self) -> None:
        finished = False
        while not finished:
            batch = [self.queue.get()]
            while len(batch) < STORE_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            finished = batch[-1] is None
            work = [entry for entry in batch if entry is not None]
            if work and self.error is None:
                try:
                    self._store(work)
                except BaseException as error:  # raised again by close(), in the caller
                    self.error = error

    def _store(self, work: list[tuple[int, SourceResult]]) -> None:
        for attempt in range(STORE_ATTEMPTS):
            try:
                with self.app.session() as session:
                    # held for the batch: the identity map keeps rows only while referenced
                    rows = load_source_rows(session, [self.chosen[i].id for i, _ in work])
                    counts = store_items_of(session, [(self.chosen[index], result)
                                                      for index, result in work])
                    stored = {index: store_source_result(
                                  session, self.chosen[index], result,
                                  counts.get(self.chosen[index].id, UpsertStats()))
                              for index, result in work}
                    del rows
                break
            except StoreError as exc:
                # collectors on other hosts storing the same item (two feeds carry it) in
                # another order: PostgreSQL breaks the deadlock; storing again is safe
                if "deadlock" not in str(exc) or attempt == STORE_ATTEMPTS - 1:
                    raise
                get_logger().warning("collect.store_retried", error=str(exc))
        self.reports.update(stored)


def store_items_of(session: Session, done: Sequence[tuple[SourceSpec, SourceResult]]
                   ) -> dict[str, UpsertStats]:
    """The items of a batch of sources, stored in one upsert per origin (feed, page), and what
    became of them per source: an upsert per source cost 1.5 ms of look-ups and statements,
    more than its 20 items (0.8 s of the writer's 0.95 s for 500 feeds)."""
    by_origin: dict[ItemOrigin, list[CollectedItem]] = {}
    for spec, result in done:
        origin = ItemOrigin.PAGE if spec.kind == "page" else ItemOrigin.FEED
        by_origin.setdefault(origin, []).extend(result.items)
    counts: dict[str, UpsertStats] = {}
    for origin, items in by_origin.items():
        if items:
            counts.update(upsert_items(session, items, origin).sources)
    return counts


def store_source_result(session: Session, spec: SourceSpec, result: SourceResult,
                        stored: UpsertStats) -> SourceReport:
    """A source's fetch state, in the transaction that stored its items (``stored``: what
    became of them; a batch of sources shares one short transaction: one commit per source is
    what costs on SQLite)."""
    log = get_logger(source_id=spec.id)
    now_at = datetime.now(UTC)
    report = SourceReport(source_id=spec.id, outcome=result.outcome, error=result.error,
                          warnings=list(result.warnings),
                          fallbacks=sum(1 for item in result.items if item.fallback))
    errors = failure_count_after(session, spec.id, result)
    next_check_at, paused = plan_next_check(
        errors, result.retry_after_at, timedelta(minutes=spec.interval_minutes), now_at)
    if result.items:
        report.new, report.updated = stored.new, stored.updated
        report.unchanged = stored.unchanged
        if result.outcome == "new" and stored.new == 0 and stored.updated == 0:
            report.outcome = "unchanged"
    record_fetch_result(session, spec, result, now_at, report.new,
                        next_check_at=next_check_at, paused=paused)
    if result.outcome == "failed":
        log.warning("source.failed", error=result.error)
    else:
        log.info("source.fetched", outcome=report.outcome, new=report.new,
                 updated=report.updated, warnings=len(report.warnings),
                 fallbacks=report.fallbacks)
    for warning in report.warnings:
        log.warning("source.warning", warning=warning)
    return report
