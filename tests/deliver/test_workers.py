"""Three ``pipeline worker --only send`` processes on one PostgreSQL join an edition being
sent: every subscriber gets one message, and the work is shared."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.app import App
from pipeline.jobs.send import send_edition
from pipeline.permissions import SYSTEM
from pipeline.states import EditionStatus
from pipeline.store.models import Delivery, Edition, Run
from tests.deliver.conftest import (
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    settings_env,
)
from tests.ops.test_several_hosts import Started

pytestmark = pytest.mark.postgres


def edition_status(app: App, edition_id: int) -> str:
    with app.session(readonly=True) as db:
        return str(db.scalar(select(Edition.status).where(Edition.id == edition_id)))


def test_three_workers_send_one_edition_each_subscriber_once(
        tmp_path: Path, smtp: SmtpServer, postgres_url: str) -> None:
    settings = make_settings(tmp_path, smtp.url, postgres_url, smtp_connections=1)
    app = App(settings)
    edition_id = add_edition(app)
    wanted = set(add_subscribers(app, 300))
    stopped = threading.Event()
    stopped.set()  # queue the deliveries and move the edition to 'sending', send nothing
    send_edition(app, SYSTEM, edition_id, stop=stopped)
    assert edition_status(app, edition_id) == EditionStatus.SENDING
    assert smtp.recorder.received == []

    env = {**settings_env(settings), "PIPELINE_WORKER_POLL_SECONDS": "1"}
    workers = [Started(["worker", "--only", "send"], tmp_path, env, tmp_path / f"w{n}.log")
               for n in range(3)]
    try:
        deadline = time.monotonic() + 180
        while edition_status(app, edition_id) != EditionStatus.SENT:
            assert time.monotonic() < deadline, (tmp_path / "w0.log").read_text()[-2000:]
            time.sleep(0.5)
    finally:
        codes = [worker.stop() for worker in workers]
    assert codes == [0, 0, 0], [(tmp_path / f"w{n}.log").read_text()[-3000:]
                                for n, code in enumerate(codes) if code]

    received = smtp.recorder.by_recipient()
    assert set(received) == wanted
    assert {len(messages) for messages in received.values()} == {1}
    with app.session(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(Delivery)
                         .where(Delivery.status == "sent")) == len(wanted)
        senders = db.scalar(select(func.count(func.distinct(Run.pid)))
                            .where(Run.job == "send", Run.status == "ok"))
    assert senders is not None and senders >= 2  # the work was shared
