"""The jobs ``pipeline schedule`` runs, with their cron schedules from the settings; they act
as :data:`~pipeline.permissions.SYSTEM` and each records its own run."""

from __future__ import annotations

from pipeline.app import App
from pipeline.jobs.collect import collect
from pipeline.jobs.editions import draft
from pipeline.jobs.process import process
from pipeline.permissions import SYSTEM
from pipeline.scheduler import ScheduledJob


def scheduled_jobs(app: App) -> list[ScheduledJob]:
    s = app.settings
    return [
        ScheduledJob("collect", s.collect_schedule,
                     lambda a: collect(a, actor=SYSTEM, due_only=True)),
        ScheduledJob("process", s.process_schedule, lambda a: process(a, SYSTEM)),
        ScheduledJob("press-review", s.press_review_schedule,
                     lambda a: draft(a, SYSTEM, "press-review")),
        ScheduledJob("newsletter", s.newsletter_schedule,
                     lambda a: draft(a, SYSTEM, "newsletter")),
    ]
