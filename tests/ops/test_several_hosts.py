"""Several processes on one real PostgreSQL, as on several hosts: two ``pipeline schedule``
(one fires, the other takes over when it is killed), three ``pipeline worker`` collecting 300
local feeds (each feed fetched once per interval, each item stored once), and the database
going away and coming back under a running scheduler and worker."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from tests.collect.server import LocalServer, RequestHandler, start_server, stop_server
from tests.conftest import PIPELINE_BIN

pytestmark = pytest.mark.postgres
OTHER_JOBS_OFF = {f"PIPELINE_{name}_SCHEDULE": "off" for name in (
    "PROCESS", "PRESS_REVIEW", "NEWSLETTER", "SEND", "BOUNCES", "PURGE", "BACKUP", "NOTIFY")}


class Started:
    """A ``pipeline`` process with its stderr in a file (read while it runs)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        full = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")} | env
        self.log = log
        self.stderr: IO[str] = log.open("w")
        self.process = subprocess.Popen([str(PIPELINE_BIN), *args], cwd=cwd, env=full,
                                        stdout=subprocess.DEVNULL, stderr=self.stderr)

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self, event: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if f"event={event}" in line]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=90)
        finally:
            self.stderr.close()
        return code


def wait_for(what: Callable[[], object], timeout: float = 120.0, every: float = 0.25) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"gave up waiting after {timeout} s")


def query(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture
def processes() -> Iterator[list[Started]]:
    started: list[Started] = []
    yield started
    for process in started:
        process.stop(signal.SIGKILL)


def test_one_scheduler_fires_and_a_standby_takes_over(tmp_path: Path, postgres_url: str,
                                                      processes: list[Started]) -> None:
    lease = 4
    (tmp_path / "sources.toml").touch()
    env = {"PIPELINE_DATABASE_URL": postgres_url, "PIPELINE_SCHEDULER_LEASE_SECONDS": str(lease),
           "PIPELINE_COLLECT_SCHEDULE": "*/2 * * * * *", **OTHER_JOBS_OFF}
    first = Started(["schedule"], tmp_path, env, tmp_path / "first.log")
    processes.append(first)
    wait_for(lambda: first.lines("scheduler.active"))
    second = Started(["schedule"], tmp_path, env, tmp_path / "second.log")
    processes.append(second)
    wait_for(lambda: second.lines("scheduler.standby"))
    wait_for(lambda: len(first.lines("job.done")) >= 3)
    assert second.lines("job.fired") == [] and second.lines("scheduler.active") == []
    owner, expires_at = query(postgres_url, "SELECT owner, expires_at FROM leases")[0]
    assert str(owner).split(":")[1] == str(first.pid)

    first.stop(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    wait_for(lambda: second.lines("scheduler.active"), timeout=lease * 10)
    new_owner, _, acquired_at = query(postgres_url,
                                      "SELECT owner, expires_at, acquired_at FROM leases")[0]
    assert str(new_owner).split(":")[1] == str(second.pid)
    # taken over once the killed one's lease ran out, within a lease more
    assert isinstance(acquired_at, datetime) and isinstance(expires_at, datetime)
    assert acquired_at - max(expires_at, killed_at) < timedelta(seconds=lease)
    wait_for(lambda: len(second.lines("job.done")) >= 2)
    assert second.stop() == 0
    assert query(postgres_url, "SELECT count(*) FROM leases") == [(0,)]  # given up on stop
    runs = query(postgres_url, "SELECT status, started_at, error FROM runs")
    assert {status for status, _, _ in runs} <= {"ok", "running", "dead", "failed"}
    # only a job the killed scheduler had started may have failed (its parent gone mid-run)
    failed_after = [(at, error) for status, at, error in runs
                    if status == "failed" and isinstance(at, datetime) and at >= killed_at]
    assert failed_after == []


def serve_feeds(count: int) -> LocalServer:
    """``count`` feeds of three items; neighbours share one item (two feeds, one story);
    an ETag lets a second fetch be answered 304."""
    server = start_server()
    for number in range(count):
        shared = number // 2
        items = "".join(
            f"<item><title>Soil story {key}</title><link>https://news.example/{key}</link>"
            f"<guid>https://news.example/{key}</guid><description>Cover crops and soil carbon."
            f"</description></item>" for key in (f"{number}-a", f"{number}-b", f"shared-{shared}"))
        body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}'
                f"</title><link>https://news.example/</link>{items}</channel></rss>").encode()
        etag = f'"v1-{number}"'

        def send(handler: RequestHandler, body: bytes = body, etag: str = etag) -> None:
            if handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        server.routes[f"/feed/{number}.xml"] = send
    return server


def write_sources(path: Path, server: LocalServer, count: int) -> None:
    path.write_text("".join(
        f'[[sources]]\nid = "feed-{n:03d}"\nname = "Feed {n}"\n'
        f'url = "{server.url(f"/feed/{n}.xml")}"\nlang = "en"\ninterval_minutes = 5\n\n'
        for n in range(count)))


def test_three_workers_share_300_feeds(tmp_path: Path, postgres_url: str,
                                      processes: list[Started]) -> None:
    count = 300
    server = serve_feeds(count)
    try:
        write_sources(tmp_path / "sources.toml", server, count)
        env = {"PIPELINE_DATABASE_URL": postgres_url, "PIPELINE_LOOPBACK_ONLY": "true",
               "PIPELINE_WORKER_POLL_SECONDS": "1", "PIPELINE_WORKER_BATCH_SIZE": "10"}
        workers = [Started(["worker", "--only", "collect"], tmp_path, env,
                           tmp_path / f"worker{n}.log") for n in range(3)]
        processes.extend(workers)

        def fetched_all(after: datetime) -> bool:
            try:
                rows = query(postgres_url, "SELECT count(*) FROM sources "
                             "WHERE last_fetched_at > :after", after=after)
            except ProgrammingError:  # the workers are creating the schema (all at once)
                return False
            return rows == [(count,)]

        started_at = datetime.now(UTC) - timedelta(days=1)
        wait_for(lambda: fetched_all(started_at), timeout=300)
        time.sleep(2)  # what a late worker would fetch again, it would have by now
        first_round = Counter(server.paths())
        assert set(first_round.values()) == {1} and len(first_round) == count
        # the interval passes (the sources say when they are due next): a second round
        marker = datetime.now(UTC)
        query(postgres_url, "UPDATE sources SET next_check_at = :now", now=marker)
        wait_for(lambda: fetched_all(marker), timeout=300)
        time.sleep(2)
        both_rounds = Counter(server.paths())
        assert set(both_rounds.values()) == {2} and len(both_rounds) == count
        for worker in workers:
            assert worker.stop() == 0
    finally:
        stop_server(server)
    items = query(postgres_url, "SELECT count(*), count(DISTINCT canonical_url) FROM items")
    assert items == [(count * 2 + count // 2, count * 2 + count // 2)]
    worked = query(postgres_url, "SELECT count(DISTINCT pid) FROM runs "
                   "WHERE job = 'collect' AND status = 'ok'")
    assert worked[0][0] >= 2  # the work was shared
    assert query(postgres_url, "SELECT count(*) FROM sources WHERE claimed_by IS NOT NULL") \
        == [(0,)]


def postgres_control(action: str) -> None:
    """Stop or start the test cluster (scripts/start-postgres) with its own options."""
    data = os.environ.get("PIPELINE_TEST_POSTGRES_DATA")
    if not data:
        pytest.skip("PIPELINE_TEST_POSTGRES_DATA not set (scripts/start-postgres sets it)")
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    if action == "stop":
        command = f"'{bindir}/pg_ctl' -D '{data}' -m fast -w stop"
    else:
        options = (Path(data) / "postmaster.opts.kept").read_text().split(" ", 1)[1]
        options = options.replace(f'"-D" "{data}"', "").strip()
        command = (f"'{bindir}/pg_ctl' -D '{data}' -l '{Path(data).parent / 'log'}' -w "
                   f"-o '{options}' start")
    if os.getuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/bash", "-c", command], check=True,
                       capture_output=True)
    else:
        subprocess.run(["bash", "-c", command], check=True, capture_output=True)


def collect_done(scheduler: Started) -> list[str]:
    return [line for line in scheduler.lines("job.done") if "job=collect" in line]


def test_the_database_goes_away_and_comes_back(tmp_path: Path, postgres_url: str,
                                               processes: list[Started]) -> None:
    data = os.environ.get("PIPELINE_TEST_POSTGRES_DATA")
    if not data:
        pytest.skip("PIPELINE_TEST_POSTGRES_DATA not set (scripts/start-postgres sets it)")
    kept = Path(data) / "postmaster.opts.kept"
    kept.write_text((Path(data) / "postmaster.opts").read_text().strip())
    server = serve_feeds(4)
    try:
        write_sources(tmp_path / "sources.toml", server, 4)
        env = {"PIPELINE_DATABASE_URL": postgres_url, "PIPELINE_LOOPBACK_ONLY": "true",
               "PIPELINE_SCHEDULER_LEASE_SECONDS": "4", "PIPELINE_WORKER_POLL_SECONDS": "1",
               "PIPELINE_COLLECT_SCHEDULE": "*/2 * * * * *", **OTHER_JOBS_OFF}
        scheduler = Started(["schedule"], tmp_path, env, tmp_path / "scheduler.log")
        worker = Started(["worker", "--only", "collect"], tmp_path, env,
                         tmp_path / "worker.log")
        processes.extend([scheduler, worker])
        wait_for(lambda: len(collect_done(scheduler)) >= 2)  # the other jobs log job.done too
        postgres_control("stop")
        try:
            wait_for(lambda: scheduler.lines("scheduler.database_unreachable"))
            time.sleep(6)  # longer than the lease: nobody could have renewed it
        finally:
            postgres_control("start")
        wait_for(lambda: scheduler.lines("scheduler.database_back"))
        done_before = len(collect_done(scheduler))
        wait_for(lambda: len([line for line in collect_done(scheduler)[done_before:]
                              if "status=" not in line]) >= 2)  # ok runs again
        assert scheduler.process.poll() is None and worker.process.poll() is None, \
            scheduler.log.read_text() + worker.log.read_text()
        (tmp_path / "sources.toml").write_text((tmp_path / "sources.toml").read_text())
        assert scheduler.stop() == 0 and worker.stop() == 0
    finally:
        stop_server(server)
        kept.unlink(missing_ok=True)
    outage = scheduler.lines("scheduler.database_unreachable")
    logs = scheduler.log.read_text() + worker.log.read_text()
    assert len(outage) == 1 and "error=" in outage[0], logs  # one line, not one per round
    assert "Traceback" not in logs, logs
    statuses = Counter(status for (status,) in query(postgres_url, "SELECT status FROM runs "
                                                     "WHERE job = 'collect'"))
    reported_ok = [line for line in collect_done(scheduler) if "status=" not in line]
    assert statuses["ok"] >= len(reported_ok) >= 3, (statuses, logs)  # every ok run is kept
