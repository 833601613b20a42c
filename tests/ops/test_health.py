"""``/healthz``, ``/metrics`` and the operations page: open to an administrator and to the
monitoring networks only, 200 when all is well and 503 when not, and nothing secret or
personal in what a monitoring server reads."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.jobs.scheduled import scheduled_jobs
from pipeline.scheduler import LEASE_NAME
from pipeline.states import DeliveryStatus, RunStatus, SubscriberStatus
from pipeline.store.leases import acquire_named_lease
from pipeline.store.models import Delivery, Edition, Run, Source, Subscriber
from pipeline.store.users import add_user
from pipeline.web.app import create_app
from tests.ops.conftest import ops_settings, seed_relevant_item
from tests.web.conftest import sign_in

PASSWORD = "a long enough password"
SECRETS = ("S3cretRelayPass", "k3y-v3ry-s3cret", "dbpassw0rd")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, object]]:
    folder = tmp_path_factory.mktemp("health")
    settings = replace(
        ops_settings(folder, collect_schedule="*/5 * * * *", backup_schedule="0 2 * * *"),
        monitoring_networks=("127.0.0.0/8", "10.20.0.0/16"),
        smtp_url=f"smtp+starttls://relay-user:{SECRETS[0]}@mail.internal.example:587",
        secret_key=SECRETS[1])
    app = App(settings)
    now_at = datetime.now(UTC)
    with app.session() as session:
        add_user(session, "admin", "admin", PASSWORD, email="admin@team.example")
        add_user(session, "editor", "editor", PASSWORD)
        for number in range(3):
            seed_relevant_item(session, number, now_at - timedelta(days=number))
        session.add(Source(id="broken-feed", name="Broken", enabled=True, kind="feed",
                           lang="fr", url=f"https://user:{SECRETS[2]}@feeds.example/x",
                           error_count=7, paused=True, item_count=0, warnings=[],
                           last_error="HTTP 500 from https://feeds.example/x (ops@feeds.example)",
                           failing_since_at=now_at - timedelta(days=2)))
        subscriber = Subscriber(email="reader@private.example", language="fr",
                                publications=["newsletter"], status=SubscriberStatus.CONFIRMED)
        session.add(subscriber)
        edition = Edition(kind="newsletter", period_start_at=now_at - timedelta(days=30),
                          period_end_at=now_at, status="sent", plan="{}", sent_at=now_at)
        session.add(edition)
        session.flush()
        session.add(Delivery(edition_id=edition.id, subscriber_id=subscriber.id, language="fr",
                             status=DeliveryStatus.SENT, sent_at=now_at,
                             message_id="<abc@team.example>"))
        session.add(Run(job="collect", started_at=now_at - timedelta(minutes=2),
                        finished_at=now_at - timedelta(minutes=1), status=RunStatus.OK,
                        stats={"failed": 1}, host="db-host-42.internal", pid=4242))
    yield app, create_app(app)
    app.close()


def client(asgi: object, address: str) -> TestClient:
    return TestClient(asgi, base_url="http://testserver",  # type: ignore[arg-type]
                      follow_redirects=False, client=(address, 40000))


def test_only_admins_and_the_monitoring_networks_get_in(site: tuple[App, object]) -> None:
    _, asgi = site
    for path in ("/healthz", "/metrics"):
        for address in ("127.0.0.1", "10.20.3.4"):
            assert client(asgi, address).get(path).status_code in (200, 503)
        outside = client(asgi, "203.0.113.9").get(path)
        assert outside.status_code == 303 and outside.headers["location"].startswith("/login")
        assert client(asgi, "10.21.0.1").get(path).status_code == 303
    editor = client(asgi, "203.0.113.9")
    sign_in(editor, "editor", PASSWORD)
    assert editor.get("/metrics").status_code == 403
    assert editor.get("/ops").status_code == 403
    admin = client(asgi, "203.0.113.9")
    sign_in(admin, "admin", PASSWORD)
    assert admin.get("/metrics").status_code == 200
    # the networks open the monitoring endpoints, not the operations page
    assert client(asgi, "127.0.0.1").get("/ops").status_code == 303


def test_metrics_count_what_runs_and_leak_nothing(site: tuple[App, object]) -> None:
    _, asgi = site
    answer = client(asgi, "127.0.0.1").get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    for line in ('pipeline_up 1.0', 'pipeline_source_items{source="seed"} 3.0',
                 'pipeline_source_items_relevant{source="seed"} 3.0',
                 'pipeline_source_fetch_errors{source="broken-feed"} 7.0',
                 'pipeline_source_paused{source="broken-feed"} 1.0',
                 'pipeline_queue_depth{queue="items_new"} 0.0',
                 'pipeline_translations_pending{lang="fr",state="machine"} 3.0',
                 'pipeline_editions{publication="newsletter",status="sent"} 1.0',
                 'pipeline_messages_sent_total 1.0', 'pipeline_bounces_total 0.0',
                 'pipeline_job_duration_seconds_count{job="collect"} 1.0',
                 'pipeline_job_last_duration_seconds{job="collect"} 60.0',
                 'pipeline_scheduler_active 0.0'):
        assert line in text, line
    forbidden = [*SECRETS, "@", "http", "mail.internal", "feeds.example", "db-host-42",
                 socket.gethostname(), "sqlite", str(Path.cwd())]
    assert [word for word in forbidden if word in text] == []
    labels = set(re.findall(r'(\w+)="', text))
    assert labels <= {"source", "queue", "lang", "state", "publication", "status", "job"}


def test_healthz_says_503_until_a_scheduler_runs_every_job(site: tuple[App, object]) -> None:
    app, asgi = site
    monitor = client(asgi, "127.0.0.1")
    sick = monitor.get("/healthz")
    assert sick.status_code == 503
    assert sick.json()["status"] == "fail" and sick.json()["scheduler"] == {
        "active": False, "since": None}
    assert sick.json()["jobs"]["backup"]["state"] == "never"
    now_at = datetime.now(UTC)
    with app.session() as session:
        assert acquire_named_lease(session, LEASE_NAME, owner="web-test:1:ab",
                                   lease_seconds=60)
        for job in scheduled_jobs(app.settings):
            session.add(Run(job=job.run_name, started_at=now_at, finished_at=now_at,
                            status=RunStatus.OK, stats={}))
    well = monitor.get("/healthz")
    assert well.status_code == 200, well.text
    body = well.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"]["active"] is True and "web-test" not in well.text
    assert body["jobs"]["collect"]["state"] == "ok" and body["jobs"]["process"]["state"] == "off"
    with app.session() as session:  # the backup fails three times in a row
        for minutes in (3, 2, 1):
            session.add(Run(job="backup", started_at=now_at + timedelta(seconds=minutes),
                            status=RunStatus.FAILED, stats={}, error="disk full"))
    failing = monitor.get("/healthz")
    assert failing.status_code == 503 and failing.json()["jobs"]["backup"]["state"] == "failing"
    assert "disk full" not in failing.text


def test_the_operations_page_shows_jobs_sources_and_weeks(site: tuple[App, object]) -> None:
    _, asgi = site
    admin = client(asgi, "203.0.113.9")
    sign_in(admin, "admin", PASSWORD)
    page = admin.get("/ops", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    html = page.text
    assert "<h1>Exploitation</h1>" in html
    assert "Tâches" in html and "<code>*/5 * * * *</code>" in html
    assert "broken-feed" in html and "HTTP 500 from https://feeds.example/x" in html
    assert html.count('<svg class="chart"') == 5
    assert '<rect class="bar"' in html and "style=" not in html
    assert 'href="/ops"' in admin.get("/").text  # in the navigation of an admin
