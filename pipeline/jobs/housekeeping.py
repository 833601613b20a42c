"""Scheduled housekeeping: the purge (retention settings) and the daily backup.

Both are safe to run again: the purge removes what is already past its retention, and the
backup writes one file per day in the team's time zone (a second run the same day finds it
and stops), through a temporary name, so that a backup interrupted half-way never passes for
a whole one.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.app import App
from pipeline.jobs.runs import recorded_run
from pipeline.store.backup import backup_db
from pipeline.store.db import create_db_engine
from pipeline.store.operations import purge_irrelevant_items, purge_notifications, purge_runs
from pipeline.store.sessions import SessionPolicy, purge_login_failures, purge_sessions

BACKUP_NAME = re.compile(r"^pipeline-(\d{4}-\d{2}-\d{2})\.(sqlite3|dump)$")
LOGIN_FAILURES_KEPT = timedelta(days=1)


def purge(app: App, now_at: datetime | None = None) -> dict[str, int]:
    """Remove what the retention settings let go; returns the counts (kept in the run)."""
    settings = app.settings
    now_at = now_at or datetime.now(UTC)
    with recorded_run(app, "purge") as run:
        with app.session() as session:
            runs_before = now_at - timedelta(days=settings.retention_runs_days)
            run.stats["runs"] = purge_runs(session, runs_before)
            run.stats["notifications"] = purge_notifications(session, runs_before)
            purge_sessions(session, now_at=now_at, policy=SessionPolicy())
            purge_login_failures(session, before_at=now_at - LOGIN_FAILURES_KEPT)
        if settings.retention_items_days:
            with app.session() as session:
                run.stats["items"] = purge_irrelevant_items(
                    session, now_at - timedelta(days=settings.retention_items_days))
        run.log.info("purge.done", **run.stats)
        return dict(run.stats)


def backup_path(app: App, now_at: datetime) -> Path:
    """Today's backup file (the day in the team's time zone)."""
    day = now_at.astimezone(ZoneInfo(app.settings.timezone)).date().isoformat()
    suffix = "sqlite3" if app.settings.resolved_database_url.startswith("sqlite") else "dump"
    return app.settings.resolved_backup_dir / f"pipeline-{day}.{suffix}"


def scheduled_backup(app: App, now_at: datetime | None = None) -> Path | None:
    """Back the database up once a day and keep the newest ``backup_keep`` backups;
    returns the file written (None: today's was there already)."""
    now_at = now_at or datetime.now(UTC)
    target = backup_path(app, now_at)
    with recorded_run(app, "backup") as run:
        if target.exists():
            run.stats.update(existing=1)
            run.log.info("backup.exists", path=str(target))
            return None
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        engine = create_db_engine(app.settings.resolved_database_url)
        try:
            backup_db(engine, partial)
            os.replace(partial, target)
        finally:
            engine.dispose()
            partial.unlink(missing_ok=True)
        removed = remove_old_backups(target.parent, app.settings.backup_keep)
        run.stats.update(bytes=target.stat().st_size, removed=len(removed))
        run.log.info("backup.done", path=str(target), removed=len(removed))
        return target


def remove_old_backups(folder: Path, keep: int) -> list[Path]:
    """Remove the scheduled backups beyond the newest ``keep`` (other files are left)."""
    backups = sorted((p for p in folder.iterdir() if BACKUP_NAME.match(p.name)),
                     key=lambda p: p.name, reverse=True)
    for old in backups[keep:]:
        old.unlink(missing_ok=True)
    return backups[keep:]


__all__ = ["backup_path", "purge", "remove_old_backups", "scheduled_backup"]
