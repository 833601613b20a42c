"""``pipeline status``: a plain-text health report read from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pipeline.app import App
from pipeline.store.models import Source
from pipeline.store.runs import mark_dead_runs
from pipeline.store.status import StatusSnapshot, load_status

if TYPE_CHECKING:
    from pipeline.scheduler import ScheduledJob
    from pipeline.store.operations import JobSummary

STATUS_WARNINGS = 10
"""Warnings of a source's last fetch shown per source."""


def _ago(at: datetime | None, now_at: datetime) -> str:
    if at is None:
        return "never"
    seconds = int((now_at - at).total_seconds())
    if seconds < 0:
        return f"in {_span(-seconds)}"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def source_health(row: Source) -> str:
    if not row.enabled:
        return "disabled"
    if row.paused:
        return "PAUSED"
    if row.error_count:
        return f"failing×{row.error_count}"
    if row.last_success_at is None:
        return "new"
    return "ok"


def render_status(app: App) -> str:
    """The report; runs whose process died are marked dead first."""
    from pipeline.jobs.scheduled import scheduled_jobs
    from pipeline.scheduler import LEASE_NAME
    from pipeline.store.leases import named_lease_holder
    from pipeline.store.operations import job_summaries

    jobs = scheduled_jobs(app.settings)
    now_at = datetime.now(UTC)
    with app.session() as session:
        mark_dead_runs(session)
    with app.session(readonly=True) as session:
        report = format_status(load_status(session), now_at)
        summaries = job_summaries(session, [job.run_name for job in jobs])
        holder = named_lease_holder(session, LEASE_NAME, now_at)
        scheduler = (f"active on {holder.owner} since {_ago(holder.acquired_at, now_at)}"
                     if holder else "none active (start `pipeline schedule`)")
    return "\n".join([report, f"Scheduler: {scheduler}",
                      *format_jobs(jobs, summaries, now_at, app.settings.timezone)])


def format_jobs(jobs: list[ScheduledJob], summaries: dict[str, JobSummary], now_at: datetime,
                timezone: str) -> list[str]:
    """Every scheduled job: its schedule, its next firing (team time) and its last result."""
    zone = ZoneInfo(timezone)
    lines = [f"Jobs (times in {timezone})"]
    for job in jobs:
        if not job.enabled:
            lines.append(f"  {job.name:<13} off")
            continue
        upcoming = job.next_at(now_at)
        next_text = f"{upcoming.astimezone(zone):%Y-%m-%d %H:%M}" if upcoming else "never"
        run = summaries.get(job.run_name)
        if run is None:
            last = "never run"
        else:
            last = f"last {run.last_status} {_ago(run.last_started_at, now_at)}"
            if run.last_status in ("failed", "dead") and run.last_error:
                last += f": {run.last_error}"
            if run.last_ok_at and run.last_status != "ok":
                last += f" (last ok {_ago(run.last_ok_at, now_at)})"
        lines.append(f"  {job.name:<13} {job.schedule:<15} next {next_text}  {last}")
    return lines


def format_status(status: StatusSnapshot, now_at: datetime) -> str:
    lines = ["Sources"]
    rows = status.sources
    width = max([len(r.id) for r in rows] + [6])
    for row in rows:
        line = (f"  {row.id:<{width}}  {source_health(row):<11} items {row.item_count:>5}  "
                f"last ok {_ago(row.last_success_at, now_at):<10} "
                f"next {_ago(row.next_check_at, now_at)}")
        if row.last_error:
            line += f"\n  {'':<{width}}  last error: {row.last_error}"
        if row.retry_after_at is not None and row.retry_after_at > now_at:
            line += (f"\n  {'':<{width}}  waiting: the host asked not to be fetched before "
                     f"{row.retry_after_at.isoformat(timespec='seconds')}")
        warnings = list(row.warnings or ())
        for warning in warnings[:STATUS_WARNINGS]:
            line += f"\n  {'':<{width}}  warning: {warning}"
        if len(warnings) > STATUS_WARNINGS:
            line += f"\n  {'':<{width}}  … and {len(warnings) - STATUS_WARNINGS} more warnings"
        lines.append(line)
    if not rows:
        lines.append("  (none yet: run `pipeline collect`)")
    lines.append("Items: " + (", ".join(f"{k} {v}" for k, v in sorted(status.items.items()))
                              or "none"))
    if status.fallbacks:
        lines.append(f"  {status.fallbacks} items kept their feed summary: their article page "
                     "could not be fetched (the warnings above say why)")
    lines.append("Editions: " + (", ".join(f"{k} {v}" for k, v in sorted(status.editions.items()))
                                 or "none"))
    lines.append(f"Deliveries waiting: {status.deliveries_waiting}")
    lines.append("Last runs")
    runs = status.last_runs
    job_width = max([len(run.job) for run in runs] + [10])
    for run in runs:
        took = ""
        if run.finished_at:
            took = f" in {(run.finished_at - run.started_at).total_seconds():.1f}s"
        extra = f" error: {run.error}" if run.error else ""
        stats = " ".join(f"{k}={v}" for k, v in sorted(run.stats.items()))
        lines.append(f"  {run.job:<{job_width}} {run.status:<8} "
                     f"{_ago(run.started_at, now_at)}{took} {stats}{extra}")
    if not runs:
        lines.append("  (none yet)")
    return "\n".join(lines)
