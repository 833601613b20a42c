"""The weekly digest to each ambassador, received by a local SMTP server: in their language,
what they sent, what got published (with the archive page), what the team commented; once a
week however often the job runs; nothing for an ambassador with nothing to report; a relay
that is down loses nothing."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.digests import send_ambassador_digests
from pipeline.jobs.submissions import NewSubmission, return_to_ambassador, submit_news
from pipeline.permissions import SYSTEM
from pipeline.records import CollectedItem
from pipeline.states import EditionStatus, ItemOrigin
from pipeline.store.accounts import load_actor
from pipeline.store.editions import PlannedEntry, create_edition
from pipeline.store.items import upsert_items
from pipeline.store.models import Edition, Item, Submission, User
from pipeline.store.users import add_user
from tests.web.conftest import PASSWORD, Site, make_site
from tests.web.smtp import Mailbox, free_port, smtp_server


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("digest"), smtp_url=mailbox.url,
                     submissions_in_web=False)
    with made.app.session() as db:
        for name, region, language, address in (
                ("amb-es", "latin-america-caribbean", "es", "lucia@example.org"),
                ("amb-quiet", "asia", "en", "quiet@example.org"),
                ("amb-nomail", "europe", "fr", None)):
            add_user(db, name, "ambassador", PASSWORD, region)
            user = db.scalar(select(User).where(User.name == name))
            assert user is not None
            user.language, user.email = language, address
        ambassador = db.scalar(select(User).where(User.name == "ambassador"))
        assert ambassador is not None
        ambassador.language, ambassador.email = "fr", "kofi@example.org"
    try:
        yield made
    finally:
        made.app.close()


def send(app: App, ambassador: str, title: str, **values: str) -> int:
    with app.session(readonly=True) as db:
        actor = load_actor(db, ambassador)
    new = NewSubmission(kind="text", title=title, summary="Résumé.", lang="fr", **values)
    return submit_news(app, actor, new).submission_id


def publish(app: App, submission_id: int, now_at: datetime) -> int:
    """Give the submission an item in a sent and archived edition (what the team does)."""
    item = CollectedItem(source_id="submission", url="", canonical_url=f"urn:t:{submission_id}",
                         title="x", fetched_at=now_at, content_hash=f"sha256:{submission_id}")
    with app.session() as db:
        upsert_items(db, [replace(item, source_id=None)], ItemOrigin.SUBMISSION)  # type: ignore[arg-type]
        item_id = db.scalar(select(Item.id).where(Item.canonical_url == item.canonical_url))
        assert item_id is not None
        row = db.get(Submission, submission_id)
        assert row is not None
        row.item_id = item_id
        edition = create_edition(
            db, kind="press-review", period_start_at=now_at - timedelta(days=7),
            period_end_at=now_at, plan_json="", warnings=[], language_state={},
            entries=[PlannedEntry(item_id, "theme-practices", 0)], actor=SYSTEM,
            now_at=now_at)
        row_edition = db.get(Edition, edition.id)
        assert row_edition is not None
        row_edition.status = EditionStatus.SENT
        row_edition.sent_at = row_edition.archived_at = now_at
        return edition.id


def received(mailbox: Mailbox, to: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.data, policy=email.policy.default)  # type: ignore[misc]
            for m in mailbox.messages if m.rcpt_tos == [to]]


def test_each_ambassador_gets_their_week_once_in_their_language(site: Site,
                                                                mailbox: Mailbox) -> None:
    app = site.app
    now_at = datetime.now(UTC)
    first = send(app, "ambassador", "Banque de semences à Kisumu")
    returned = send(app, "ambassador", "Un projet sans lieu\r\nBcc: victim@example.org")
    edition_id = publish(app, first, now_at)
    with app.session(readonly=True) as db:
        editor = load_actor(db, "editor")
    return_to_ambassador(app, editor, returned, "Quel village ?\nAjoutez la source.")
    send(app, "amb-es", "Terrazas de café en Veracruz")
    with app.session() as db:  # an old submission says nothing this week
        old = db.get(Submission, 1)
        assert old is not None
        old.created_at = now_at - timedelta(days=30)

    report = send_ambassador_digests(app, SYSTEM, datetime.now(UTC))
    assert sorted(report.sent) == ["amb-es", "ambassador"]
    assert report.nothing_to_say == ["amb-quiet"] and not report.failed
    [french] = received(mailbox, "kofi@example.org")
    assert french["Subject"].startswith("Vos nouvelles de la semaine : ")
    assert french["To"] == "kofi@example.org" and french["Bcc"] is None
    body = french.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour ambassador,\n\nVoici ce que sont devenues")
    assert "Envoyé cette semaine :\n" in body
    assert "- Banque de semences à Kisumu — Publié" in body
    assert "- Un projet sans lieu Bcc: victim@example.org — Renvoyé" in body
    assert "Publié :\n- Banque de semences à Kisumu\n  http://127.0.0.1:8000/archive/" \
           f"press-review/fr/{(now_at - timedelta(microseconds=1)):%Y-%m-%d}-{edition_id}" \
           ".html" in body
    assert "Commentaires de l'équipe :\n- Un projet sans lieu Bcc: victim@example.org — " \
           "editor: Quel village ?\nAjoutez la source." in body
    assert "A seed bank in Kenya" not in body  # a month old
    assert [m.rcpt_tos for m in mailbox.messages].count(["victim@example.org"]) == 0
    [spanish] = received(mailbox, "lucia@example.org")
    assert spanish["Subject"].startswith("Sus noticias de la semana: ")
    assert "- Terrazas de café en Veracruz — Recibido" in spanish.get_content().replace(
        "\r\n", "\n")
    assert received(mailbox, "quiet@example.org") == []

    again = send_ambassador_digests(app, SYSTEM, datetime.now(UTC) + timedelta(minutes=1))
    assert again.sent == [] and sorted(again.already_sent) == ["amb-es", "ambassador"]
    assert len(received(mailbox, "kofi@example.org")) == 1


def test_a_relay_that_is_down_loses_no_digest(site: Site, mailbox: Mailbox) -> None:
    later = datetime.now(UTC) + timedelta(days=7)
    send(site.app, "amb-es", "Café de sombra en Chiapas")
    with site.app.session() as db:
        row = db.scalar(select(Submission).order_by(Submission.id.desc()).limit(1))
        assert row is not None
        row.created_at = later - timedelta(hours=1)
    down = App(replace(site.app.settings, smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    try:
        report = send_ambassador_digests(down, SYSTEM, later)
    finally:
        down.close()
    assert "amb-es" in report.failed and "not sent" in report.failed["amb-es"]
    before = len(received(mailbox, "lucia@example.org"))
    retried = send_ambassador_digests(site.app, SYSTEM, later)
    assert retried.sent == ["amb-es"]
    assert len(received(mailbox, "lucia@example.org")) == before + 1
