"""The jobs ``pipeline schedule`` runs, with their cron schedules from the settings."""

from __future__ import annotations

from pipeline.app import App
from pipeline.jobs.collect import collect
from pipeline.jobs.editions import draft
from pipeline.jobs.process import process
from pipeline.scheduler import ScheduledJob


def scheduled_jobs(app: App) -> list[ScheduledJob]:
    s = app.settings
    return [
        ScheduledJob("collect", s.collect_schedule, lambda a: collect(a, due_only=True)),
        ScheduledJob("process", s.process_schedule, lambda a: process(a)),
        ScheduledJob("press-review", s.press_review_schedule,
                     lambda a: draft(a, "press-review")),
        ScheduledJob("newsletter", s.newsletter_schedule, lambda a: draft(a, "newsletter")),
    ]
