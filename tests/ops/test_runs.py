"""Each firing runs in a child process: a job that raises is recorded failed, a job that
hangs past its time limit is stopped with everything it started and recorded failed, and
the scheduler goes on; a bad schedule is one clear line at start."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.errors import StoreError
from pipeline.scheduler import ChildRunner, ScheduledJob
from pipeline.settings import Settings
from pipeline.states import RunStatus
from pipeline.store.models import Run
from tests.conftest import PIPELINE_BIN, run_pipeline
from tests.ops.conftest import ops_settings


def sample(name: str, function: str, limit: float = 120.0) -> ScheduledJob:
    return ScheduledJob(name=name, schedule="* * * * *", target=f"tests.ops.sample_jobs:{function}",
                        run_name=name, time_limit=limit)


def runs_of(app: App) -> list[tuple[str, str, str | None]]:
    try:
        with app.session() as session:
            return [(r.job, str(r.status), r.error)
                    for r in session.scalars(select(Run).order_by(Run.id))]
    except StoreError:  # the scheduler is creating the database right now
        return []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rpartition(")")[2].split()[:1] == ["Z"])


def test_a_job_that_raises_is_recorded_and_the_next_one_runs(tmp_path: Path) -> None:
    app = App(ops_settings(tmp_path))
    runner = ChildRunner(app, "test")
    failed_early = runner(sample("early", "raises_before_its_run"))
    crashed = runner(sample("crashes", "crashes_in_its_run"))
    fine = runner(sample("works", "works"))
    assert (failed_early.status, crashed.status, fine.status) == ("failed", "failed", "ok")
    assert runs_of(app) == [("early", "failed", "sources.toml: file not found"),
                            ("crashes", "failed", "a bug in a job"),
                            ("works", "ok", None)]
    app.close()


def test_a_job_that_hangs_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    app = App(ops_settings(tmp_path))
    outcome = ChildRunner(app, "test")(sample("hangs", "hangs", limit=4))
    assert outcome.status == "stopped"
    assert outcome.error == "stopped: still running after its time limit of 4 s"
    job_pid, helper_pid = (int(x) for x in (tmp_path / "hang.pids").read_text().split())
    for _ in range(50):  # the kernel reaps the orphaned helper after its group was killed
        if not alive(helper_pid):
            break
        time.sleep(0.1)
    assert not alive(job_pid) and not alive(helper_pid)
    assert runs_of(app) == [("hangs", "failed",
                             "stopped: still running after its time limit of 4 s")]
    app.close()


@pytest.mark.parametrize(("env", "line"), [
    ({"PIPELINE_PRESS_REVIEW_SCHEDULE": "0 6 * * monday-ish"},
     "error: PIPELINE_PRESS_REVIEW_SCHEDULE: not a cron expression"),
    ({"PIPELINE_COLLECT_SCHEDULE": "every 5 minutes"},
     "error: PIPELINE_COLLECT_SCHEDULE: not a cron expression (expected 5 fields"),
    ({"PIPELINE_TIMEZONE": "Europe/Pariss"},
     "error: PIPELINE_TIMEZONE: not a time zone"),
    ({"PIPELINE_JOB_TIME_LIMITS": "collect=10; drafts=5"},
     "error: PIPELINE_JOB_TIME_LIMITS: expected JOB=SECONDS"),
    ({"PIPELINE_MONITORING_NETWORKS": "10.0.0.0/33"},
     "error: PIPELINE_MONITORING_NETWORKS: not a network"),
])
def test_a_bad_schedule_setting_is_one_line_naming_it(tmp_path: Path, env: dict[str, str],
                                                      line: str) -> None:
    done = run_pipeline(["schedule"], cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.startswith(line), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "var").exists()  # refused before any work


def test_the_scheduler_outlives_failing_and_overdue_jobs(tmp_path: Path) -> None:
    """collect fails (no sources file), backup runs past its limit of 1 s: both recorded,
    and the scheduler keeps firing until SIGTERM, which it obeys."""
    env = {"PIPELINE_COLLECT_SCHEDULE": "*/2 * * * * *", "PIPELINE_SOURCES": "missing.toml",
           "PIPELINE_BACKUP_SCHEDULE": "*/3 * * * * *", "PIPELINE_JOB_TIME_LIMITS": "backup=1",
           **{f"PIPELINE_{name}_SCHEDULE": "off" for name in (
               "PROCESS", "PRESS_REVIEW", "NEWSLETTER", "SEND", "BOUNCES", "PURGE", "NOTIFY")}}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")} | env
    process = subprocess.Popen([str(PIPELINE_BIN), "schedule"], cwd=tmp_path, env=full_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    app = App(Settings(database_url=f"sqlite:///{tmp_path / 'var' / 'pipeline.sqlite3'}"))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            runs = runs_of(app) if (tmp_path / "var" / "pipeline.sqlite3").exists() else []
            if sum(1 for r in runs if r[0] == "collect") >= 3 and \
                    sum(1 for r in runs if r[0] == "backup") >= 2:
                break
            time.sleep(0.5)
        assert process.poll() is None  # still scheduling
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    collects = {r for r in runs_of(app) if r[0] == "collect"}
    # a collect still starting when SIGTERM came is recorded as stopped, not lost
    assert ("collect", RunStatus.FAILED, "missing.toml: file not found") in collects
    assert collects <= {("collect", RunStatus.FAILED, "missing.toml: file not found"),
                        ("collect", RunStatus.FAILED, "stopped: the scheduler was stopping")}
    backups = [r for r in runs_of(app) if r[0] == "backup"]
    assert ("backup", "failed", "stopped: still running after its time limit of 1 s") in backups
    assert "event=job.done" in err and "status=failed" in err and "status=stopped" in err
    assert "Traceback" not in err
    assert "event=scheduler.stopped" in err
    app.close()
