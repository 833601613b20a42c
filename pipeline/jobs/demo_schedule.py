"""The demo's scheduler: while ``pipeline demo`` serves, the real scheduler runs on the demo
database with fast schedules, over the bundled feeds, which publish the articles the first
run held back one after another. Its log lines show each job firing (collection every ten
seconds, processing, a Press Review draft every two minutes of what came in since the last
one, a backup, the notifications that would go out with an SMTP relay), and the review app
fills up with the items and drafts they make."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.app import App
from pipeline.demo.site import Drip, demo_sources, held_back, serve_demo_site
from pipeline.jobs.scheduled import scheduled_jobs
from pipeline.records import SourceSpec
from pipeline.scheduler import Scheduler
from pipeline.settings import Settings
from pipeline.store.sources import make_sources_due

HELD_BACK = 12
"""Bundled articles the first run holds back for the scheduler to find."""
DRIP_SECONDS = 20.0
FAST_SCHEDULES: dict[str, Any] = {
    "collect_schedule": "*/10 * * * * *", "process_schedule": "5,25,45 * * * * *",
    "press_review_schedule": "0 */2 * * * *", "newsletter_schedule": "30 */5 * * * *",
    "send_schedule": "off", "bounces_schedule": "off", "purge_schedule": "off",
    "backup_schedule": "0 */10 * * * *", "notify_schedule": "50 * * * * *",
    "submissions_schedule": "off", "digest_schedule": "off",
}


def demo_drip() -> Drip:
    return Drip(held=held_back(HELD_BACK), every=DRIP_SECONDS)


def write_demo_sources(path: Path, specs: list[SourceSpec]) -> None:
    """The demo's sources as a sources.toml (the scheduler's jobs read it), checked again
    every minute."""
    path.write_text("".join(
        f'[[sources]]\nid = "{s.id}"\nname = "{s.name}"\nurl = "{s.url}"\nlang = "{s.lang}"\n'
        f'relevance = "{s.relevance}"\nsection = "{s.section}"\ninterval_minutes = 5\n\n'
        for s in specs), encoding="utf-8")


def demo_schedule_settings(settings: Settings, out_dir: Path) -> Settings:
    return replace(settings, **FAST_SCHEDULES, sources_path=out_dir / "sources.toml",
                   database_url=f"sqlite:///{out_dir / 'demo.sqlite3'}",
                   backup_dir=out_dir / "backups", backup_keep=3,
                   allow_private_addresses=True, loopback_only=True,
                   scheduler_lease_seconds=6, schedule_retry_minutes=1)


@contextmanager
def running_demo_scheduler(app: App, out_dir: Path, drip: Drip) -> Iterator[Scheduler]:
    """Serve the feeds (publishing ``drip``'s articles from now on) and run the scheduler
    in a thread until the block ends."""
    with serve_demo_site(drip) as base_url:
        write_demo_sources(out_dir / "sources.toml", demo_sources(base_url))
        demo_app = App(demo_schedule_settings(app.settings, out_dir))
        with demo_app.session() as session:  # due at once (then every five minutes)
            make_sources_due(session, datetime.now(UTC))
        scheduler = Scheduler(demo_app, scheduled_jobs(demo_app.settings))
        stop = threading.Event()
        thread = threading.Thread(target=scheduler.run_forever, args=(stop,),
                                  name="demo-scheduler", daemon=True)
        drip.start()
        thread.start()
        try:
            yield scheduler
        finally:
            stop.set()
            thread.join(timeout=60)
            demo_app.close()


__all__ = ["FAST_SCHEDULES", "demo_drip", "running_demo_scheduler"]
