"""The lease primitive and run bookkeeping in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.app import App
from pipeline.errors import StoreError
from pipeline.jobs.runs import recorded_run
from pipeline.records import CollectedItem
from pipeline.settings import Settings
from pipeline.states import ItemStatus, RunStatus
from pipeline.store import leases
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.items import upsert_items
from pipeline.store.models import Item, Run
from pipeline.store.processing import claim_pending, finish_items
from pipeline.store.runs import mark_dead_runs, run_owner, start_run, this_host

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade_db(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        upsert_items(session, [CollectedItem(
            source_id=None, url=f"https://a.org/{n}", canonical_url=f"https://a.org/{n}",
            title=f"Item {n}", fetched_at=NOW, content_hash=f"h{n}") for n in range(6)])
    yield engine
    engine.dispose()


def statuses(factory: sessionmaker[Session]) -> dict[int, tuple[str, str | None]]:
    with factory() as session:
        return {i: (str(s), c) for i, s, c in session.execute(
            select(Item.id, Item.status, Item.claimed_by).order_by(Item.id))}


def test_claims_do_not_overlap_and_expired_ones_are_taken_over(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        first = [i.id for i in claim_pending(session, 4, owner="a", lease_seconds=60,
                                             now_at=NOW)]
    with factory.begin() as session:
        second = [i.id for i in claim_pending(session, 4, owner="b", lease_seconds=60,
                                              now_at=NOW + timedelta(seconds=30))]
    assert len(first) == 4 and len(second) == 2 and not set(first) & set(second)
    with factory.begin() as session:  # a renews its lease; nothing is free
        assert leases.renew(session, Item, owner="a", lease_seconds=60,
                            now_at=NOW + timedelta(seconds=50)) == 4
        assert claim_pending(session, 4, owner="c", lease_seconds=60,
                             now_at=NOW + timedelta(seconds=85)) == []
    with factory.begin() as session:  # b's lease expired: c takes it over at once
        taken = [i.id for i in claim_pending(session, 4, owner="c", lease_seconds=60,
                                             now_at=NOW + timedelta(seconds=91))]
        assert taken == second
        assert leases.held_ids(session, Item, owner="b", ids=second) == set()
        assert finish_items(session, second, owner="b") == 0  # b's late results are refused
        assert finish_items(session, second, owner="c") == 2
    after = statuses(factory)
    assert [after[i] for i in second] == [("processed", None)] * 2
    assert {after[i] for i in first} == {("processing", "a")}


def test_two_sessions_claiming_at_once_never_share_a_row(engine: Engine) -> None:
    """PostgreSQL skips the rows another transaction is claiming; SQLite serialises."""
    factory = make_sessionmaker(engine)
    one, two = factory(), factory()
    try:
        got_one = leases.claim(one, Item, owner="one", lease_seconds=60, limit=3)
        if engine.dialect.name == "sqlite":
            one.commit()  # the write lock is held until then
        got_two = leases.claim(two, Item, owner="two", lease_seconds=60, limit=6)
        one.commit()
        two.commit()
    finally:
        one.close()
        two.close()
    assert len(got_one) == 3 and len(got_two) == 3 and not set(got_one) & set(got_two)


def test_named_lease_has_one_holder_until_it_expires(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        assert leases.acquire_named_lease(session, "scheduler", owner="h1", lease_seconds=30,
                                          now_at=NOW)
    with factory.begin() as session:
        assert not leases.acquire_named_lease(session, "scheduler", owner="h2",
                                              lease_seconds=30,
                                              now_at=NOW + timedelta(seconds=20))
        assert leases.acquire_named_lease(session, "scheduler", owner="h1", lease_seconds=30,
                                          now_at=NOW + timedelta(seconds=20))  # renewed
        holder = leases.named_lease_holder(session, "scheduler",
                                           now_at=NOW + timedelta(seconds=45))
        assert holder is not None and holder.owner == "h1" and holder.acquired_at == NOW
    with factory.begin() as session:  # h1 stopped renewing: h2 takes over
        assert leases.acquire_named_lease(session, "scheduler", owner="h2", lease_seconds=30,
                                          now_at=NOW + timedelta(seconds=51))
        assert not leases.release_named_lease(session, "scheduler", owner="h1")
        assert leases.release_named_lease(session, "scheduler", owner="h2")
        assert leases.named_lease_holder(session, "scheduler") is None


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_dead_runs_are_marked_and_their_claims_freed(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    now_at = datetime.now(UTC)
    with factory.begin() as session:
        killed = start_run(session, "process", now_at=now_at)
        killed.pid = dead_pid()
        elsewhere = start_run(session, "collect", now_at=now_at - timedelta(minutes=5))
        elsewhere.host, elsewhere.pid = "another-host", 1
        alive_elsewhere = start_run(session, "draft", now_at=now_at)
        alive_elsewhere.host, alive_elsewhere.pid = "another-host", 1
        me = start_run(session, "render", now_at=now_at - timedelta(hours=1))
        me.heartbeat_at = now_at
        ids = (killed.id, elsewhere.id, alive_elsewhere.id, me.id)
        claimed = leases.claim(session, Item, owner=run_owner(killed.id), lease_seconds=60,
                               limit=2, values={"status": ItemStatus.PROCESSING})
    with factory.begin() as session:
        dead = mark_dead_runs(session, now_at=now_at + timedelta(seconds=1))
        assert sorted(r.id for r in dead) == sorted(ids[:2])
        again = claim_pending(session, 6, owner="next", lease_seconds=60,
                              now_at=now_at + timedelta(seconds=2))
        assert {i.id for i in again} >= set(claimed)  # taken over at once, not in an hour
    with factory() as session:
        rows = {r.id: r for r in session.scalars(select(Run).where(Run.id.in_(ids)))}
    assert [rows[i].status for i in ids] == [RunStatus.DEAD, RunStatus.DEAD,
                                             RunStatus.RUNNING, RunStatus.RUNNING]
    assert rows[ids[0]].error == "its process ended without finishing the run"
    assert rows[ids[1]].error is not None and rows[ids[1]].error.startswith("no heartbeat since")
    assert rows[ids[0]].host == this_host() and rows[ids[3]].pid == os.getpid()


def test_a_run_is_recorded_once_with_its_counts_or_its_error(database_url: str) -> None:
    app = App(Settings(database_url=database_url))
    before = structlog.contextvars.get_contextvars()
    try:
        with recorded_run(app, "render") as run:
            run.stats["files"] = 6
            bound = structlog.contextvars.get_contextvars()
            assert (bound["run_id"], bound["job"]) == (run.id, "render")
        assert structlog.contextvars.get_contextvars() == before
        with pytest.raises(StoreError), recorded_run(app, "archive") as failing:
            failing.stats["files"] = 1
            raise StoreError("disk full\nsecond line")
        assert structlog.contextvars.get_contextvars() == before
        with app.session() as session:
            runs = session.scalars(select(Run).order_by(Run.id)).all()
            assert [(r.job, r.status, r.stats, r.error) for r in runs] == [
                ("render", RunStatus.OK, {"files": 6}, None),
                ("archive", RunStatus.FAILED, {"files": 1}, "disk full")]
            assert all(r.finished_at is not None and r.pid == os.getpid() for r in runs)
    finally:
        app.close()


def test_status_marks_a_killed_run_dead(tmp_path: Path) -> None:
    from tests.conftest import run_pipeline

    engine = create_db_engine(f"sqlite:///{tmp_path / 'var' / 'pipeline.sqlite3'}")
    upgrade_db(engine)
    with make_sessionmaker(engine).begin() as session:
        start_run(session, "collect").pid = dead_pid()
    engine.dispose()
    done = run_pipeline(["status"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.strip().startswith("collect"))
    assert " dead " in line and "error: its process ended without finishing the run" in line
