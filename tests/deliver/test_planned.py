"""A send planned for later (``pipeline send ID --at WHEN``) is started by the scheduler's
send job once its time has come, and not before; a time past or unreadable is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.scheduled import send_planned
from pipeline.store.models import Edition
from tests.conftest import run_pipeline
from tests.deliver.conftest import (
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    settings_env,
)


def send_at(app: App, edition_id: int) -> datetime | None:
    with app.session(readonly=True) as db:
        return db.scalar(select(Edition.send_at).where(Edition.id == edition_id))


def test_a_planned_send_goes_out_when_its_time_comes(tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    app = App(settings)
    edition_id = add_edition(app)
    wanted = add_subscribers(app, 6)
    env = {**settings_env(settings), "PIPELINE_TIMEZONE": "Europe/Paris"}

    planned = run_pipeline(["send", str(edition_id), "--at", "2099-12-01 09:00"], cwd=tmp_path,
                           env=env)
    assert planned.returncode == 0, planned.stderr
    assert "to be sent at 2099-12-01 08:00 UTC" in planned.stdout  # 09:00 in Paris
    assert send_at(app, edition_id) == datetime(2099, 12, 1, 8, tzinfo=UTC)

    send_planned(app)  # not yet
    assert smtp.recorder.received == []

    with time_machine.travel(datetime(2099, 12, 1, 8, 1, tzinfo=UTC), tick=True):
        send_planned(app)
    assert set(smtp.recorder.by_recipient()) == set(wanted)
    with app.session(readonly=True) as db:
        assert db.scalar(select(Edition.status).where(Edition.id == edition_id)) == "sent"

    with time_machine.travel(datetime(2099, 12, 1, 9, tzinfo=UTC), tick=True):
        send_planned(app)  # sent editions are not planned sends any more
    assert len(smtp.recorder.received) == 6


def test_bad_send_times_are_refused_in_one_line(tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    app = App(settings)
    edition_id = add_edition(app)
    env = settings_env(settings)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    for when, message in ((yesterday, "is past"), ("next tuesday", "not a date and time")):
        answer = run_pipeline(["send", str(edition_id), "--at", when], cwd=tmp_path, env=env)
        assert answer.returncode == 1
        assert message in answer.stderr and len(answer.stderr.strip().splitlines()) == 1
        assert "Traceback" not in answer.stderr
    assert send_at(app, edition_id) is None
    planned = run_pipeline(["send", str(edition_id), "--at", "2099-01-01T10:00+00:00"],
                           cwd=tmp_path, env=env)
    assert planned.returncode == 0
    removed = run_pipeline(["send", str(edition_id), "--at", "never"], cwd=tmp_path, env=env)
    assert removed.returncode == 0 and "no planned send" in removed.stdout
    assert send_at(app, edition_id) is None
