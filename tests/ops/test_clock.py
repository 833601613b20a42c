"""The scheduler through a simulated month (time-machine moves the clock from one firing to
the next): the right jobs fire at the right times in Europe/Paris across the change to
summer time, a restart after a crash catches up each missed job once, a restart without a gap
fires nothing extra, and the drafts made are one per publication and period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.runs import recorded_run
from pipeline.jobs.scheduled import scheduled_jobs
from pipeline.scheduler import (
    Outcome,
    ScheduledJob,
    Scheduler,
    previous_fire_time,
    resolve_target,
)
from pipeline.settings import Settings
from pipeline.store.models import Edition
from tests.ops.conftest import ops_settings, seed_relevant_item

PARIS = ZoneInfo("Europe/Paris")
REAL_TARGETS = ("press-review", "newsletter", "purge")
"""Jobs run for real; the others (collect, process: tested on their own) only record their
run, as a job does."""


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def natural_firings(after: datetime, until: datetime) -> list[tuple[datetime, str]]:
    """What the cron expressions below mean, written out with zoneinfo: (UTC time, job)."""
    found = []
    day = after.astimezone(PARIS).date() - timedelta(days=1)
    while day <= until.astimezone(PARIS).date():
        times = [(paris(day, h), "collect") for h in (0, 6, 12, 18)]
        times += [(paris(day, h, 30), "process") for h in (0, 6, 12, 18)]
        times.append((paris(day, 2, 30), "purge"))  # 02:30 does not exist on 30 March
        if day.weekday() == 0:
            times.append((paris(day, 6), "press-review"))
        if day.day == 1:
            times.append((paris(day, 6), "newsletter"))
        found += [(at, job) for at, job in times if after < at <= until]
        day += timedelta(days=1)
    return found


@pytest.fixture
def month_app(tmp_path: Path) -> App:
    settings = ops_settings(
        tmp_path, timezone="Europe/Paris", collect_schedule="0 */6 * * *",
        process_schedule="30 */6 * * *", press_review_schedule="0 6 * * mon",
        newsletter_schedule="0 6 1 * *", purge_schedule="30 2 * * *")
    app = App(settings)
    with app.session() as session:  # one relevant item a day, February to April
        for number in range(60):
            seed_relevant_item(session, number, datetime(2025, 2, 1, 12, tzinfo=UTC)
                               + timedelta(days=number))
    return app


def test_a_month_in_paris_with_a_crash_and_a_restart(month_app: App) -> None:
    app = month_app
    fired: list[tuple[datetime, str]] = []

    def runner(job: ScheduledJob) -> Outcome:
        fired.append((datetime.now(UTC), job.name))
        if job.name in REAL_TARGETS:
            resolve_target(job.target)(app)
        else:
            with recorded_run(app, job.run_name):
                pass
        return Outcome("ok", 0.0)

    jobs = scheduled_jobs(app.settings)
    start = paris(date(2025, 3, 1), 0)
    crash = paris(date(2025, 3, 15), 12)
    back = paris(date(2025, 3, 18), 9)
    handover = paris(date(2025, 3, 24), 7)
    end = paris(date(2025, 4, 1), 12)

    def drive(scheduler: Scheduler, until: datetime, traveller: time_machine.Coordinates
              ) -> None:
        scheduler.step()
        while (upcoming := scheduler.next_due_at()) is not None and upcoming <= until:
            traveller.move_to(upcoming)
            scheduler.step()

    with time_machine.travel(start, tick=False) as traveller:
        drive(Scheduler(app, jobs, runner=runner, inline=True), crash, traveller)
        # crash: the first scheduler is gone without a word; nothing runs for three days
        traveller.move_to(back)
        second = Scheduler(app, jobs, runner=runner, inline=True)
        drive(second, handover, traveller)
        traveller.move_to(handover)
        second.close()  # a clean restart, no gap: nothing to catch up
        drive(Scheduler(app, jobs, runner=runner, inline=True), end, traveller)

    names = sorted({job.name for job in jobs if job.enabled})
    expected = ([(start, name) for name in names]  # a new install runs each job once
                + natural_firings(start, crash)
                + [(back, name) for name in ("collect", "press-review", "process", "purge")]
                + natural_firings(back, end))
    assert fired == sorted(expected)
    # the change to summer time: 06:00 in Paris is 05:00 UTC, then 04:00 UTC
    mondays = [at for at, job in fired if job == "press-review"]
    assert datetime(2025, 3, 24, 5, tzinfo=UTC) in mondays
    assert datetime(2025, 3, 31, 4, tzinfo=UTC) in mondays
    purges = [at for at, job in fired if job == "purge"
              and at.astimezone(PARIS).date() == date(2025, 3, 30)]
    assert purges == [datetime(2025, 3, 30, 1, 30, tzinfo=UTC)]  # once, at 03:30 summer time

    with app.session() as session:
        drafted = session.scalars(select(Edition).order_by(Edition.schedule_key)).all()
    by_key = {e.schedule_key: (e.period_start_at, e.period_end_at) for e in drafted}
    assert len(by_key) == len(drafted)  # one draft per publication and period
    assert sorted(by_key) == [
        "newsletter@2025-03-01", "newsletter@2025-04-01",
        "press-review@2025-02-24", "press-review@2025-03-03", "press-review@2025-03-10",
        "press-review@2025-03-17", "press-review@2025-03-24", "press-review@2025-03-31"]
    # periods run from local midnight to local midnight: 167 hours across the change
    assert by_key["press-review@2025-03-31"] == (datetime(2025, 3, 23, 23, tzinfo=UTC),
                                                 datetime(2025, 3, 30, 22, tzinfo=UTC))
    assert by_key["press-review@2025-03-17"] == (datetime(2025, 3, 9, 23, tzinfo=UTC),
                                                 datetime(2025, 3, 16, 23, tzinfo=UTC))
    assert by_key["newsletter@2025-04-01"] == (datetime(2025, 2, 28, 23, tzinfo=UTC),
                                               datetime(2025, 3, 31, 22, tzinfo=UTC))
    app.close()


def test_previous_fire_time_across_both_changes_of_time() -> None:
    settings = Settings(collect_schedule="*/20 * * * *", timezone="Europe/Paris")
    trigger = next(job for job in scheduled_jobs(settings) if job.name == "collect").trigger
    assert previous_fire_time(trigger, datetime(2025, 3, 30, 1, 5, tzinfo=UTC)) == \
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 03:00, summer time: 02:xx never was
    # the hour from 02:00 to 03:00 comes twice in October: both are found, in order
    assert previous_fire_time(trigger, datetime(2025, 10, 26, 0, 45, tzinfo=UTC)) == \
        datetime(2025, 10, 26, 0, 40, tzinfo=UTC)
    assert previous_fire_time(trigger, datetime(2025, 10, 26, 1, 10, tzinfo=UTC)) == \
        datetime(2025, 10, 26, 1, 0, tzinfo=UTC)


def test_fast_schedules_draft_what_came_since_the_last_firing() -> None:
    """The demo's schedules fire several times a day: each draft covers the time since the
    previous firing exactly, under its own key; a held-back demo article appears on time,
    dated then."""
    from pipeline.demo.site import Drip, build_demo_feed, load_demo_articles
    from pipeline.jobs.scheduled import scheduled_period

    settings = Settings(press_review_schedule="0 */2 * * * *", timezone="Europe/Paris")
    job = next(job for job in scheduled_jobs(settings) if job.name == "press-review")
    fired_at = datetime(2025, 3, 30, 1, 4, tzinfo=UTC)
    period = scheduled_period(job, "press-review", fired_at)
    assert (period.since_at, period.until_at, period.key) == (
        datetime(2025, 3, 30, 1, 2, tzinfo=UTC), fired_at, "press-review@2025-03-30T03:04")
    article = load_demo_articles()[0]
    drip = Drip(held=(article.id,), every=20)
    feed = build_demo_feed(article.lang, article.group, drip).decode()
    assert article.url not in feed  # held back until the drip starts
    drip.start()
    assert article.url in build_demo_feed(article.lang, article.group, drip).decode()
