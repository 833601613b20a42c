"""The purge keeps what the retention settings keep and nothing else; the daily backup is
one file a day however often it runs, the oldest beyond ``backup_keep`` removed; a team
member's notification address is set from the command line, checked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.housekeeping import purge, scheduled_backup
from pipeline.states import RunStatus
from pipeline.store.models import Classification, Edition, EditionItem, Item, Run, User
from tests.conftest import run_pipeline
from tests.ops.conftest import ops_settings, seed_relevant_item


def test_purge_follows_the_retention_settings(tmp_path: Path) -> None:
    app = App(replace(ops_settings(tmp_path), retention_runs_days=30,
                      retention_items_days=100))
    now_at = datetime.now(UTC)
    old = now_at - timedelta(days=200)
    with app.session() as session:
        kept_items = []
        for number in range(5):
            item = seed_relevant_item(session, number, old)
            session.flush()
            if number >= 1:  # four found not relevant
                session.get(Classification, item.id).relevant = False  # type: ignore[union-attr]
            kept_items.append(item.id)
        session.get(Classification, kept_items[2]).corrected_by = "ana"  # type: ignore[union-attr]
        edition = Edition(kind="press-review", period_start_at=old, period_end_at=now_at,
                          status="draft", plan="{}")
        session.add(edition)
        session.flush()
        session.add(EditionItem(edition_id=edition.id, item_id=kept_items[3], section="x",
                                position=0))
        seed_relevant_item(session, 10, now_at)  # recent
        for days in (60, 40, 10):
            for job in ("collect", "backup"):
                session.add(Run(job=job, started_at=now_at - timedelta(days=days),
                                finished_at=now_at, status=RunStatus.OK, stats={}))
        session.add(Run(job="newsletter-only-once", started_at=now_at - timedelta(days=90),
                        status=RunStatus.OK, stats={}))
    counts = purge(app)
    assert counts == {"runs": 4, "notifications": 0, "items": 2}
    with app.session() as session:
        left = set(session.scalars(select(Item.id)))
        runs = sorted((r.job, (now_at - r.started_at).days) for r in session.scalars(
            select(Run).where(Run.job != "purge")))
    # relevant, corrected by an editor, in an edition, or recent: kept
    assert left == {kept_items[0], kept_items[2], kept_items[3], max(left)}
    assert runs == [("backup", 10), ("collect", 10), ("newsletter-only-once", 90)]
    app.close()


def test_one_backup_a_day_and_the_oldest_go(tmp_path: Path) -> None:
    app = App(replace(ops_settings(tmp_path), backup_keep=2))
    folder = app.settings.resolved_backup_dir
    folder.mkdir(parents=True)
    for day in ("2025-03-01", "2025-03-02"):
        (folder / f"pipeline-{day}.sqlite3").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    with time_machine.travel(datetime(2025, 3, 3, 22, 30, tzinfo=UTC), tick=False):
        written = scheduled_backup(app)  # 23:30 in Paris, still 3 March there
        assert scheduled_backup(app) is None
    assert written == folder / "pipeline-2025-03-03.sqlite3"
    assert sorted(p.name for p in folder.iterdir()) == [
        "notes.txt", "pipeline-2025-03-02.sqlite3", "pipeline-2025-03-03.sqlite3"]
    import sqlite3

    with sqlite3.connect(written) as copy:
        assert copy.execute("SELECT count(*) FROM runs").fetchone()[0] >= 1
    app.close()


def test_notification_addresses_from_the_command_line(tmp_path: Path) -> None:
    added = run_pipeline(["users", "add", "ana", "--role", "admin", "--password-stdin",
                          "--email", "ana@example.org"], cwd=tmp_path,
                         input_text="a long enough password\n")
    assert added.returncode == 0, added.stderr
    for bad in ("ana", "ana@example.org\nBcc: x@y.org", "Ana <ana@example.org>"):
        refused = run_pipeline(["users", "email", "ana", bad], cwd=tmp_path)
        assert refused.returncode == 1
        assert refused.stderr.startswith("error: --email: expected an email address")
        assert len(refused.stderr.strip().splitlines()) == 1
    changed = run_pipeline(["users", "email", "ana", "ana.b@example.org"], cwd=tmp_path)
    assert changed.returncode == 0 and "ana.b@example.org" in changed.stdout
    app = App(ops_settings(tmp_path / "var"))
    with app.session() as session:
        assert session.scalars(select(User.email)).all() == ["ana.b@example.org"]
    app.close()


def test_status_lists_every_job_with_its_schedule_and_last_result(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").touch()
    env = {"PIPELINE_BACKUP_SCHEDULE": "off", "PIPELINE_TIMEZONE": "America/Bogota"}
    assert run_pipeline(["collect"], cwd=tmp_path, env=env).returncode == 0
    done = run_pipeline(["status"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    jobs = done.stdout.split("Jobs (times in America/Bogota)\n", 1)[1].splitlines()
    assert [line.split()[0] for line in jobs] == [
        "collect", "process", "press-review", "newsletter", "send", "bounces", "purge",
        "backup", "notify", "submissions", "digest"]
    assert jobs[0].startswith("  collect       */5 * * * *     next ")
    assert jobs[0].endswith("last ok 0s ago") or "last ok" in jobs[0]
    assert jobs[1].endswith("never run") and jobs[7] == "  backup        off"
    assert "Scheduler: none active (start `pipeline schedule`)" in done.stdout
