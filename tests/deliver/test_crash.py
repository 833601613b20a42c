"""The real ``pipeline send`` killed with SIGKILL at random points, then run again; two
senders started on one edition; on SQLite and PostgreSQL.

What must hold in the end: every subscriber received the edition; a subscriber received it
again only when a kill caught their message on the wire (the server had it, the sender had
not yet recorded it), at most one such message per connection and kill, and then every copy
carries the same Message-ID; no subscriber got two messages from two senders.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.states import DeliveryStatus, EditionStatus
from pipeline.store.models import Delivery, Edition, Run
from tests.conftest import PIPELINE_BIN, run_pipeline
from tests.deliver.conftest import (
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    settings_env,
)

CONNECTIONS = 2


def start_sender(edition_id: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    return subprocess.Popen([str(PIPELINE_BIN), "send", str(edition_id)], cwd=cwd,
                            env={**full_env, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def check_exactly_once(app: App, smtp: SmtpServer, wanted: set[str], kills: int) -> int:
    received = smtp.recorder.by_recipient()
    assert set(received) == wanted  # nobody skipped
    # each kill leaves at most one message per connection on the wire; the next sender sends
    # it again (a message caught by two kills in a row arrives three times), always the same
    repeated = sum(len(messages) - 1 for messages in received.values())
    assert repeated <= kills * CONNECTIONS
    for address, messages in received.items():
        assert len({m.message_id for m in messages}) == 1, address  # the same Message-ID
    with app.session(readonly=True) as db:
        rows = db.execute(select(Delivery.status, Delivery.message_id)).all()
        edition = db.scalar(select(Edition))
    assert Counter(status for status, _ in rows) == {DeliveryStatus.SENT: len(wanted)}
    assert {m.message_id for messages in received.values() for m in messages} == {
        message_id for _, message_id in rows}
    assert edition is not None and edition.status == EditionStatus.SENT
    return repeated


def kill_and_restart(app: App, smtp: SmtpServer, tmp_path: Path, edition_id: int,
                     env: dict[str, str], runs: int, seed: int) -> int:
    """``runs`` senders, each SIGKILLed at a random point: half of them when the server has
    taken a random number of further messages (killed before its answer reaches the
    sender), half after a random delay (start-up, rendering, claims, recording…)."""
    chance = random.Random(seed)
    kills = 0
    for run in range(runs):
        process = start_sender(edition_id, env, tmp_path)
        if run % 2 == 0:
            target = len(smtp.recorder.received) + chance.randint(1, 60)
            hit = threading.Event()

            def kill_at(count: int, target: int = target, process: subprocess.Popen[bytes]
                        = process, hit: threading.Event = hit) -> None:
                if count >= target and not hit.is_set():
                    hit.set()
                    process.send_signal(signal.SIGKILL)  # the message is taken, no answer yet

            smtp.recorder.on_accept = kill_at
            try:
                process.wait(timeout=120)
            finally:
                smtp.recorder.on_accept = None
        else:
            time.sleep(chance.uniform(0.3, 2.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        kills += process.returncode == -signal.SIGKILL
    return kills


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_killed_senders_leave_nobody_out_and_repeat_only_what_was_on_the_wire(
        tmp_path: Path, smtp: SmtpServer, database: str, request: pytest.FixtureRequest
) -> None:
    url = None if database == "sqlite" else str(request.getfixturevalue("postgres_url"))
    settings = make_settings(tmp_path, smtp.url, url, smtp_connections=CONNECTIONS)
    app = App(settings)
    edition_id = add_edition(app)
    count, runs = (1000, 20) if database == "sqlite" else (300, 6)
    wanted = set(add_subscribers(app, count))
    env = settings_env(settings)

    kills = kill_and_restart(app, smtp, tmp_path, edition_id, env, runs, seed=13)
    # Senders that finished before their kill (a fast machine sends the rest quickly) are not
    # counted; the test is only meaningful when several were killed mid-way.
    assert kills >= 3, f"only {kills} of {runs} senders were killed mid-way"
    done = run_pipeline(["send", str(edition_id)], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert f"edition {edition_id}: sent; {count} of {count} sent" in done.stdout
    repeated = check_exactly_once(app, smtp, wanted, kills)
    print(f"{kills} kills, {repeated} messages repeated")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_senders_on_one_edition_never_send_twice(
        tmp_path: Path, smtp: SmtpServer, database: str, request: pytest.FixtureRequest
) -> None:
    url = None if database == "sqlite" else str(request.getfixturevalue("postgres_url"))
    settings = make_settings(tmp_path, smtp.url, url, smtp_connections=CONNECTIONS)
    app = App(settings)
    edition_id = add_edition(app)
    wanted = set(add_subscribers(app, 400))
    env = settings_env(settings)
    senders = [start_sender(edition_id, env, tmp_path) for _ in range(2)]
    errors = [sender.communicate(timeout=240)[1].decode() for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], errors
    check_exactly_once(app, smtp, wanted, kills=0)
    with app.session(readonly=True) as db:
        runs = db.scalars(select(Run).where(Run.job == "send")).all()
    assert len(runs) == 2 and all(run.stats["sent"] > 0 for run in runs)  # both did send
    assert sum(run.stats["sent"] for run in runs) == 400
