"""The team is told by email, in each person's language, through a real SMTP server: a
draft is ready (with its review link), a source has failed for a day, a job keeps failing,
a send finished or stopped; once each, whatever runs again; a relay that is down keeps them
for later."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.notifications import send_pending, watch_and_notify
from pipeline.jobs.scheduled import draft_scheduled
from pipeline.states import EditionStatus, RunStatus
from pipeline.store.models import Edition, Notification, Run, Source
from pipeline.store.users import add_user
from tests.ops.conftest import Inbox, free_port, ops_settings, seed_relevant_item

PASSWORD = "a long enough password"


def team_app(folder: Path, smtp_url: str) -> App:
    settings = replace(ops_settings(folder, press_review_schedule="0 6 * * mon"),
                       smtp_url=smtp_url, base_url="https://news.example.org",
                       mail_from="« 4 per 1000 » <team@example.org>")
    app = App(settings)
    with app.session() as session:
        add_user(session, "ana", "admin", PASSWORD, email="ana@example.org").language = "fr"
        add_user(session, "eva", "editor", PASSWORD, email="eva@example.org").language = "es"
        add_user(session, "paul", "approver", PASSWORD, email="paul@example.org")
        add_user(session, "nomail", "editor", PASSWORD)
        add_user(session, "amb", "ambassador", PASSWORD, region="africa",
                 email="amb@example.org")
    return app


def by_recipient(inbox: Inbox) -> dict[str, tuple[str, str]]:
    return {message["To"]: (message["Subject"], message.get_content())
            for message in inbox.messages()}


def test_a_scheduled_draft_tells_the_team_once(tmp_path: Path,
                                              smtp_server: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp_server
    app = team_app(tmp_path, smtp_url)
    with app.session() as session:
        for number in range(5):
            seed_relevant_item(session, number, datetime(2025, 3, 18, 12, tzinfo=UTC)
                               + timedelta(days=number))
    monday = datetime(2025, 3, 24, 5, 0, 30, tzinfo=UTC)  # 06:00:30 in Paris
    with time_machine.travel(monday, tick=False):
        edition_id = draft_scheduled(app, "press-review")
        assert draft_scheduled(app, "press-review") is None  # fired again: nothing more
    assert edition_id is not None
    mails = by_recipient(inbox)
    assert sorted(mails) == ["ana@example.org", "eva@example.org", "paul@example.org"]
    link = f"https://news.example.org/editions/{edition_id}"
    subject, body = mails["ana@example.org"]
    assert subject == "Revue de presse 17–23 mars 2025 : le brouillon est prêt à relire"
    assert link in body and "5 articles" in body
    subject, body = mails["eva@example.org"]
    assert subject.startswith("Revista de prensa 17–23 mar 2025: el borrador")
    assert link in body
    assert mails["paul@example.org"][0] == ("Press Review Mar 17 – 23, 2025: the draft is "
                                            "ready for review")
    assert all(frm == "team@example.org" for frm, _, _ in inbox.received)
    assert [len(rcpt) for _, rcpt, _ in inbox.received] == [1, 1, 1]
    with app.session() as session:
        assert session.scalars(select(Edition.schedule_key)).all() == [
            "press-review@2025-03-24"]
    app.close()


def test_failing_sources_jobs_and_sends_are_told_once(tmp_path: Path,
                                                     smtp_server: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp_server
    app = team_app(tmp_path, smtp_url)
    app = App(replace(app.settings, collect_schedule="*/5 * * * *"))
    now_at = datetime.now(UTC)
    with app.session() as session:
        session.add(Source(id="flaky", name="Flaky outlet", url="https://flaky.example/feed",
                           kind="feed", lang="fr", enabled=True, error_count=40, paused=True,
                           item_count=0, warnings=[], failing_since_at=now_at - timedelta(
                               hours=25), last_error="HTTP 503\r\nBcc: victim@example.org"))
        session.add(Source(id="new-trouble", name="Recently failing", url="https://x.example/",
                           kind="feed", lang="en", enabled=True, error_count=2, paused=False,
                           item_count=0, warnings=[], failing_since_at=now_at - timedelta(
                               hours=2), last_error="timeout"))
        for minutes in (15, 10, 5):
            session.add(Run(job="collect", started_at=now_at - timedelta(minutes=minutes),
                            finished_at=now_at, status=RunStatus.FAILED, stats={},
                            error="sources.toml: file not found"))
        period = {"kind": "newsletter",  # February, midnight to midnight in Paris
                  "period_start_at": datetime(2025, 1, 31, 23, tzinfo=UTC),
                  "period_end_at": datetime(2025, 2, 28, 23, tzinfo=UTC), "plan": "{}"}
        session.add(Edition(status=EditionStatus.SENT, sent_at=now_at, **period))
        session.add(Edition(status=EditionStatus.PAUSED, updated_at=now_at, **period))
    first = watch_and_notify(app)
    again = watch_and_notify(app)
    assert (first["queued"], first["sent"], again["queued"], again["sent"]) == (4, 6, 0, 0)
    subjects = sorted((message["To"], message["Subject"]) for message in inbox.messages())
    assert subjects == [
        ("ana@example.org", "La source flaky est en échec depuis le "
         f"{_paris_moment(now_at - timedelta(hours=25))}"),
        ("ana@example.org", "La tâche collect échoue sans cesse"),
        ("ana@example.org", "Lettre d'information 1–28 févr. 2025 : envoi arrêté"),
        ("ana@example.org", "Lettre d'information 1–28 févr. 2025 : envoyée"),
        ("paul@example.org", "Newsletter Feb 1 – 28, 2025: sending stopped"),
        ("paul@example.org", "Newsletter Feb 1 – 28, 2025: sent"),
    ]
    # the error text goes into the body, never into a header
    flaky = next(m for m in inbox.messages() if "flaky" in m["Subject"])
    assert "Bcc" not in flaky and flaky["To"] == "ana@example.org"
    assert [rcpt for _, rcpt, _ in inbox.received if "victim@example.org" in rcpt] == []
    app.close()


def _paris_moment(at: datetime) -> str:
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    return format_datetime(at.astimezone(ZoneInfo("Europe/Paris")), format="medium",
                           locale="fr")


def test_a_relay_that_is_down_keeps_them_for_later(tmp_path: Path,
                                                  smtp_server: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp_server
    down = App(replace(team_app(tmp_path, f"smtp://127.0.0.1:{free_port()}").settings))
    with down.session() as session:
        session.add(Source(id="flaky", name="Flaky", url="https://flaky.example/feed",
                           kind="feed", lang="fr", enabled=True, error_count=9, paused=False,
                           item_count=0, warnings=[], last_error="HTTP 500",
                           failing_since_at=datetime.now(UTC) - timedelta(days=2)))
    assert watch_and_notify(down) == {"queued": 1, "sent": 0}
    with down.session() as session:
        waiting = session.scalars(select(Notification)).one()
        assert waiting.sent_at is None and waiting.attempts == 1
        assert waiting.last_error and "message not sent" in waiting.last_error
    up = App(replace(down.settings, smtp_url=smtp_url))
    assert send_pending(up) == 1 and send_pending(up) == 0
    assert [rcpt for _, rcpt, _ in inbox.received] == [["ana@example.org"]]
    down.close()
    up.close()
