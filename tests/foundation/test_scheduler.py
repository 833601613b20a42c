"""The scheduler: cron settings validated, a failing job logged without stopping the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.errors import StoreError
from pipeline.log import configure_logging
from pipeline.scheduler import ScheduledJob, build_scheduler, guarded
from pipeline.settings import Settings
from tests.conftest import run_pipeline


def test_bad_cron_setting_is_one_clear_line(tmp_path: Path) -> None:
    done = run_pipeline(["schedule"], cwd=tmp_path,
                        env={"PIPELINE_COLLECT_SCHEDULE": "every monday"})
    assert done.returncode == 1
    assert done.stderr.startswith("error: PIPELINE_COLLECT_SCHEDULE: not a cron expression")
    assert len(done.stderr.strip().splitlines()) == 1


def test_jobs_get_their_triggers_and_failures_do_not_escape(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()  # after capsys took stderr: the logs go to the captured stream
    app = App(Settings(var_dir=tmp_path))
    calls: list[str] = []

    def failing(_: App) -> None:
        calls.append("failing")
        raise StoreError("database is gone")

    def crashing(_: App) -> None:
        calls.append("crashing")
        raise RuntimeError("a bug")

    jobs = [ScheduledJob("collect", "*/30 * * * *", failing),
            ScheduledJob("newsletter", "0 6 1 * *", crashing)]
    scheduler = build_scheduler(app, jobs)
    triggers = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
    assert triggers["collect"].startswith("cron[month='*', day='*', day_of_week='*', hour='*', "
                                          "minute='*/30'")
    assert "day='1'" in triggers["newsletter"] and "hour='6'" in triggers["newsletter"]
    for job in jobs:
        guarded(job, app)()  # must not raise
    assert calls == ["failing", "crashing"]
    logged = capsys.readouterr().err
    assert "event=job.failed" in logged and "database is gone" in logged
    assert "event=job.crashed" in logged


def test_a_scheduled_job_that_fails_is_recorded_as_a_failed_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select

    from pipeline.jobs.scheduled import scheduled_jobs
    from pipeline.states import RunStatus
    from pipeline.store.models import Run

    configure_logging()
    app = App(Settings(var_dir=tmp_path, sources_path=tmp_path / "missing.toml"))
    try:
        jobs = {job.name: job for job in scheduled_jobs(app)}
        guarded(jobs["process"], app)()  # must not raise
        with app.session() as session:
            runs = session.scalars(select(Run)).all()
        assert [(r.job, r.status) for r in runs] == [("process", RunStatus.FAILED)]
        assert runs[0].error is not None and runs[0].error.endswith("file not found")
        assert "event=job.failed job=process" in capsys.readouterr().err
    finally:
        app.close()
