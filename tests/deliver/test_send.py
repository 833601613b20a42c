"""Sending an edition to a real SMTP server (aiosmtpd), asserting on the bytes it received."""

from __future__ import annotations

import email
import threading
import time
from email import policy
from pathlib import Path

import dkim
import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.editions import current_plan
from pipeline.jobs.send import pause_sending, send_edition
from pipeline.permissions import SYSTEM
from pipeline.signing import Purpose, read_link_token, read_verp
from pipeline.states import DeliveryStatus, EditionStatus, SubscriberStatus
from pipeline.store.models import Delivery, Edition, ItemText, Subscriber
from tests.conftest import run_pipeline
from tests.deliver.conftest import (
    SECRET,
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    settings_env,
    subscriber_address,
)

EXPECTED_HEADERS = {"dkim-signature", "from", "subject", "mime-version", "content-type",
                    "content-language", "list-id", "list-unsubscribe-post", "feedback-id", "to",
                    "message-id", "date", "list-unsubscribe"}


def deliveries(app: App) -> dict[str, Delivery]:
    with app.session(readonly=True) as db:
        rows = db.execute(select(Subscriber.email, Delivery).join(
            Delivery, Delivery.subscriber_id == Subscriber.id)).all()
    return {address: delivery for address, delivery in rows}


def test_each_subscriber_gets_one_signed_message_in_their_language(
        tmp_path: Path, smtp: SmtpServer, dkim_key) -> None:  # type: ignore[no-untyped-def]
    app = App(make_settings(tmp_path, smtp.url, dkim_key_path=dkim_key.path,
                            dkim_selector="test"))
    edition_id = add_edition(app)
    wanted = add_subscribers(app, 12)
    add_subscribers(app, 2, start=100, publications="newsletter")  # another publication

    report = send_edition(app, SYSTEM, edition_id)

    assert report.edition_status == "sent" and report.counts == {"sent": 12}
    assert report.sent_by_language == {"fr": 4, "en": 4, "es": 4}
    received = smtp.recorder.by_recipient()
    assert {address: len(messages) for address, messages in received.items()} == dict.fromkeys(
        wanted, 1)
    stored = deliveries(app)
    tokens = set()
    for address, lang in wanted.items():
        raw = received[address][0]
        message = email.message_from_bytes(raw.data, policy=policy.SMTP)
        assert {name.lower() for name in message} == EXPECTED_HEADERS
        assert all(len(message.get_all(name) or ()) == 1 for name in EXPECTED_HEADERS)
        assert message["To"] == address and raw.rcpt_tos == [address]
        assert message["Content-Language"] == lang
        assert message["Message-ID"] == stored[address].message_id
        assert read_verp(SECRET, "bounces@news.example.org", raw.mail_from) == stored[
            address].id
        assert message["List-Id"].endswith(f"<press-review.{lang}.news.example.org>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(message["From"]) == "« 4 per 1000 » <newsletter@news.example.org>"
        # multipart/alternative, the text part first, then HTML in the subscriber's language
        assert message.get_content_type() == "multipart/alternative"
        text, html = list(message.iter_parts())
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        assert f'<html lang="{lang}"' in html.get_content()
        # one opaque token per subscriber, the same in the header, the HTML and the text
        url, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
        assert url.startswith("https://news.example.org/unsubscribe/")
        token = url.rsplit("/", 1)[1]
        assert mailto == f"mailto:unsubscribe@news.example.org?subject=unsubscribe%20{token}"
        assert f'href="{url}"' in html.get_content() and url in text.get_content()
        assert address not in token and str(stored[address].subscriber_id) not in token.split(".")
        assert read_link_token(SECRET, Purpose.UNSUBSCRIBE, token, size=2)[1] == "press-review"
        tokens.add(token)
        # DKIM verifies with the test key, and covers the list headers
        assert dkim.verify(raw.data, dnsfunc=dkim_key.dns)
        signed = message["DKIM-Signature"].replace(" ", "").replace("\r\n", "")
        signed_headers = signed.split("h=")[1].split(";")[0].split(":")
        assert {"list-unsubscribe", "list-unsubscribe-post", "from", "to", "subject",
                "message-id", "list-id", "content-language"} <= set(signed_headers)
    assert len(tokens) == 12
    with app.session(readonly=True) as db:
        edition = db.get(Edition, edition_id)
        assert edition is not None and edition.status == EditionStatus.SENT
        assert edition.archived_at is not None
    assert list((tmp_path / "archive").rglob("*.html"))

    again = send_edition(app, SYSTEM, edition_id)  # safe to re-run: nothing more is sent
    assert again.note == "already sent" and len(smtp.recorder.received) == 12


def test_bodies_are_the_rendered_edition_with_each_recipients_links(
        tmp_path: Path, smtp: SmtpServer) -> None:
    """The quoted-printable encoded once per language, with only the link lines encoded per
    recipient, decodes to exactly what the renderer made (with this recipient's links)."""
    from pipeline.jobs.editions import edition_links
    from pipeline.jobs.mail import MailSetup
    from pipeline.render import EditionLinks, render_all

    app = App(make_settings(tmp_path, smtp.url))
    edition_id = add_edition(app, title="Ligne avec espace final \u00e9t\u00e9 " + "x" * 200)
    add_subscribers(app, 3)
    send_edition(app, SYSTEM, edition_id)
    setup = MailSetup.from_settings(app.settings)
    with app.session(readonly=True) as db:
        edition = db.get(Edition, edition_id)
        assert edition is not None
        plan = current_plan(db, edition)
        web = edition_links(app, edition)
    for raw in smtp.recorder.received:
        message = email.message_from_bytes(raw.data, policy=policy.SMTP)
        lang = message["Content-Language"]
        unsubscribe = message["List-Unsubscribe"].split(",")[0].strip(" <>")
        text, html = list(message.iter_parts())
        preferences = next(word for word in text.get_content().split()
                       if word.startswith("https://news.example.org/preferences/"))
        links = {lang: EditionLinks(web_url=web[lang].web_url, unsubscribe_url=unsubscribe,
                                    preferences_url=preferences)}
        expected = render_all(plan, links=links)[lang]
        assert str(message["Subject"]) == expected.subject
        got_html, got_text = (part.get_content().replace("\r\n", "\n").rstrip("\n")
                              for part in (html, text))
        assert got_html == expected.html.rstrip("\n")
        assert got_text == expected.text.rstrip("\n")
        assert setup.preferences_url("") in preferences


def test_smtp_errors_are_retried_bounced_or_failed_and_bounces_stay_suppressed(
        tmp_path: Path, smtp: SmtpServer) -> None:
    """421 and 451 are retried with back-off, 550 bounces (the address is suppressed from
    later sends), a connection dropped before the answer to DATA is retried: in the end each
    address got the edition exactly once, or was bounced."""
    app = App(make_settings(tmp_path, smtp.url))
    edition_id = add_edition(app)
    wanted = add_subscribers(app, 15)
    bounce = {subscriber_address(1), subscriber_address(7)}
    busy = {subscriber_address(2)}          # 451 to RCPT twice
    closing = {subscriber_address(4)}       # 421 to DATA once (the server closes)
    dropped = {subscriber_address(5)}       # the connection dies before DATA's answer
    policy_refusal = {subscriber_address(9)}  # 554 5.7.1 to DATA: not the address's fault

    def rule(phase: str, address: str, count: int) -> str | None:
        if phase == "rcpt" and address in bounce:
            return "550 5.1.1 No such user"
        if phase == "rcpt" and address in busy and count <= 2:
            return "451 4.3.0 Try again later"
        if phase == "data" and address in closing and count == 1:
            return "421 4.3.2 Shutting down"
        if phase == "data" and address in dropped and count == 1:
            return "drop"
        if phase == "data" and address in policy_refusal:
            return "554 5.7.1 Message refused by policy"
        return None

    smtp.recorder.rule = rule
    report = send_edition(app, SYSTEM, edition_id)

    received = smtp.recorder.by_recipient()
    delivered = set(wanted) - bounce - policy_refusal
    assert {a: len(m) for a, m in received.items()} == dict.fromkeys(delivered, 1)
    stored = deliveries(app)
    assert {a for a, d in stored.items() if d.status == DeliveryStatus.BOUNCED} == bounce
    assert {a for a, d in stored.items() if d.status == DeliveryStatus.FAILED} == policy_refusal
    assert stored[subscriber_address(2)].attempts == 3
    assert "550 5.1.1" in (stored[subscriber_address(1)].last_error or "")
    assert report.counts == {"sent": 12, "bounced": 2, "failed": 1}
    with app.session(readonly=True) as db:
        statuses = dict(db.execute(select(Subscriber.email, Subscriber.status)).all())
    assert {a for a, s in statuses.items() if s == SubscriberStatus.BOUNCED} == bounce

    # a later edition skips the suppressed addresses
    smtp.recorder.reset()
    later = add_edition(app, title="The next week")
    send_edition(app, SYSTEM, later)
    assert set(smtp.recorder.by_recipient()) == set(wanted) - bounce


def test_deferred_past_the_last_attempt_fails_without_suppressing(
        tmp_path: Path, smtp: SmtpServer) -> None:
    app = App(make_settings(tmp_path, smtp.url, send_max_attempts=2))
    edition_id = add_edition(app)
    add_subscribers(app, 3)
    smtp.recorder.rule = lambda phase, address, count: (
        "452 4.2.2 Mailbox full" if address == subscriber_address(0) else None)
    report = send_edition(app, SYSTEM, edition_id)
    assert report.counts == {"sent": 2, "failed": 1} and report.edition_status == "sent"
    with app.session(readonly=True) as db:
        status = db.scalar(select(Subscriber.status).where(
            Subscriber.email == subscriber_address(0)))
    assert status == SubscriberStatus.CONFIRMED


def test_pause_stops_every_sender_and_resume_finishes_exactly_once(
        tmp_path: Path, smtp: SmtpServer) -> None:
    app = App(make_settings(tmp_path, smtp.url, send_rate=40, smtp_connections=2))
    edition_id = add_edition(app)
    wanted = add_subscribers(app, 60)
    paused = threading.Event()

    def pause_after_ten(count: int) -> None:
        if count == 10 and not paused.is_set():
            paused.set()
            threading.Thread(target=pause_sending, args=(app, SYSTEM, edition_id)).start()

    smtp.recorder.on_accept = pause_after_ten
    report = send_edition(app, SYSTEM, edition_id)
    assert report.note == "edition paused" and report.edition_status == "paused"
    first = len(smtp.recorder.received)
    assert 10 <= first < 60
    assert report.counts.get("sending", 0) == 0  # unsent claims went back to pending
    time.sleep(0.3)
    assert len(smtp.recorder.received) == first  # nothing goes out while paused

    from pipeline.errors import EditionError

    with pytest.raises(EditionError, match="paused: resume it"):
        send_edition(app, SYSTEM, edition_id)
    smtp.recorder.on_accept = None
    done = send_edition(app, SYSTEM, edition_id, resume=True)
    assert done.edition_status == "sent" and done.counts == {"sent": 60}
    assert {a: len(m) for a, m in smtp.recorder.by_recipient().items()} == dict.fromkeys(
        wanted, 1)


def test_command_refuses_what_may_not_be_sent(tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    app = App(settings)
    edition_id = add_edition(app)
    add_subscribers(app, 3)
    env = settings_env(settings)
    with app.session() as db:  # edited after approval, behind the jobs' back: the content
        text = db.scalars(select(ItemText).where(ItemText.lang == "en")).first()  # hash differs
        assert text is not None
        text.title = "Changed after approval"
    changed = run_pipeline(["send", str(edition_id)], cwd=tmp_path, env=env)
    assert changed.returncode == 1
    assert changed.stderr.strip().splitlines() == [
        f"error: edition {edition_id} changed since it was approved (its content hash "
        "differs): approve it again before sending"]
    no_relay = run_pipeline(["send", str(edition_id)], cwd=tmp_path,
                            env={**env, "PIPELINE_SMTP_URL": ""})
    assert no_relay.returncode == 1 and "PIPELINE_SMTP_URL is not set" in no_relay.stderr
    assert "Traceback" not in changed.stderr + no_relay.stderr
    from dataclasses import replace

    from pipeline.errors import ConfigError, EditionError

    with pytest.raises(ConfigError, match="PIPELINE_SECRET_KEY must be set"):
        send_edition(App(replace(settings, secret_key="short")), SYSTEM, edition_id)
    with app.session() as db:
        edition = db.get(Edition, edition_id)
        assert edition is not None
        edition.editorial, edition.status = {}, EditionStatus.DRAFT
    with pytest.raises(EditionError, match="is draft: only an approved edition is sent"):
        send_edition(app, SYSTEM, edition_id)
    assert smtp.recorder.received == []


def test_dry_run_writes_every_message_and_changes_nothing(
        tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    app = App(settings)
    edition_id = add_edition(app)
    wanted = add_subscribers(app, 6)
    out = tmp_path / "outbox"
    done = run_pipeline(["send", str(edition_id), "--dry-run", "--out", str(out)],
                        cwd=tmp_path, env=settings_env(settings))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"dry run: 6 messages (en 2, es 2, fr 2) written to {out}; "
                                   "nothing sent")
    files = sorted(out.glob("*.eml"))
    assert len(files) == 6
    recipients = {email.message_from_bytes(f.read_bytes())["To"]: f.name.split("-")[1][:2]
                  for f in files}
    assert recipients == wanted
    assert smtp.recorder.received == []
    with app.session(readonly=True) as db:
        edition = db.get(Edition, edition_id)
        assert edition is not None and edition.status == EditionStatus.APPROVED
        assert db.scalar(select(Delivery.id)) is None
