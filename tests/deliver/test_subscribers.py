"""Subscribers in bulk through the real commands: CSV import (email-validator), export
(ADVERSARIAL 26: formulas neutralised), and bounces, complaints and unsubscribe mails read
from a Maildir or standard input."""

from __future__ import annotations

import csv
import io
import mailbox
from pathlib import Path

from sqlalchemy import select

from pipeline.app import App
from pipeline.jobs.send import send_edition
from pipeline.jobs.subscribers import safe_cell
from pipeline.permissions import SYSTEM
from pipeline.states import SubscriberStatus
from pipeline.store.models import BounceReport, Consent, Subscriber
from tests.conftest import run_pipeline
from tests.deliver.conftest import (
    Received,
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    settings_env,
    subscriber_address,
)


def test_import_validates_and_normalises_and_export_neutralises_formulas(
        tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    env = settings_env(settings)
    source = tmp_path / "list.csv"
    source.write_text(
        "email,language,publications\n"
        "Jean.Dupont@Example.ORG,fr,press-review\n"
        "lector@Bücher.example,es,newsletter;press-review\n"
        "=HYPERLINK(\"http://evil\")@example.org,en,newsletter\n"
        "+1-cmd@example.org,en,newsletter\n"
        "-2@example.org,en,newsletter\n"
        "josé@example.org,es,newsletter\n"
        "two..dots@example.org,en,newsletter\n"
        "no-domain@localhost,en,newsletter\n", encoding="utf-8")
    imported = run_pipeline(["subscribers", "import", str(source)], cwd=tmp_path, env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "4 added, 0 updated, 0 unchanged, 4 rejected"
    assert "line 7: email: not a valid address 'josé@example.org'" in imported.stderr
    assert "line 4: email" in imported.stderr  # a quote is not allowed in an address

    exported = run_pipeline(["subscribers", "export"], cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert rows[0] == ["email", "language", "publications", "status", "consent_at",
                       "consent_source", "created_at"]
    assert [row[:4] for row in rows[1:]] == [
        ["'+1-cmd@example.org", "en", "newsletter", "confirmed"],
        ["'-2@example.org", "en", "newsletter", "confirmed"],
        ["jean.dupont@example.org", "fr", "press-review", "confirmed"],
        ["lector@xn--bcher-kva.example", "es", "newsletter;press-review", "confirmed"],
    ]
    assert all(row[5] == "import:list.csv" for row in rows[1:])
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row)

    # the export imports back as the same subscribers
    again = tmp_path / "again.csv"
    again.write_text(exported.stdout, encoding="utf-8")
    second = run_pipeline(["subscribers", "import", str(again)], cwd=tmp_path, env=env)
    assert second.stdout.strip() == "0 added, 0 updated, 4 unchanged, 0 rejected"
    app = App(settings)
    with app.session(readonly=True) as db:
        consents = db.scalars(select(Consent)).all()
    assert {c.action for c in consents} == {"import"} and len(consents) == 4


def test_every_formula_start_is_neutralised() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert safe_cell("plain@example.org") == "plain@example.org"


DSN = """From: MAILER-DAEMON@mx.example.net
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <{unique}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system could not deliver your message.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B
Content-Type: text/rfc822-headers

{original}
--B--
"""

ARF = """From: abuse@mailbox.example
To: fbl@news.example.org
Subject: complaint
Message-ID: <{unique}@mailbox.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: {recipient}

--F
Content-Type: message/rfc822

{original}
--F--
"""


def headers_of(message: Received) -> str:
    return message.data.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n", "\n")


def test_bounces_complaints_and_unsubscribe_mails_are_matched_and_suppress(
        tmp_path: Path, smtp: SmtpServer) -> None:
    settings = make_settings(tmp_path, smtp.url)
    app = App(settings)
    edition_id = add_edition(app)
    add_subscribers(app, 9, publications="press-review;newsletter")
    send_edition(app, SYSTEM, edition_id)
    sent = {message.rcpt_tos[0]: message for message in smtp.recorder.received}
    hard, by_verp, soft, complaint, unsubscribe = (subscriber_address(n) for n in range(5))

    def dsn(recipient: str, status: str, action: str, *, with_original: bool = True,
            unique: str = "") -> bytes:
        message = sent[recipient]
        return DSN.format(to=message.mail_from, recipient=recipient, action=action,
                          status=status, diagnostic=f"{status} mailbox says no",
                          unique=unique or f"{recipient}.{status}",
                          original=headers_of(message) if with_original else
                          "Subject: (original not quoted)").encode()

    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    box.add(dsn(hard, "5.1.1", "failed"))
    box.add(dsn(by_verp, "5.2.1", "failed", with_original=False))  # matched by VERP only
    for n in range(3):  # three soft bounces within the window suppress
        box.add(dsn(soft, "4.2.2", "delayed", unique=f"soft{n}"))
    box.add(ARF.format(recipient=complaint, original=headers_of(sent[complaint]),
                       unique="arf").encode())
    token = sent[unsubscribe].message["List-Unsubscribe"].split("subject=unsubscribe%20")[1]
    box.add(f"From: {unsubscribe}\nTo: unsubscribe@news.example.org\n"
            f"Subject: unsubscribe {token.rstrip('>')}\n\nplease\n".encode())
    box.add(b"From: someone@example.org\nTo: bounces@news.example.org\nSubject: hello\n\nhi\n")
    forged = DSN.format(to="bounces+1-aaaaaaaa@news.example.org", recipient="x@example.net",
                        action="failed", status="5.1.1", diagnostic="forged", unique="forged",
                        original="Subject: none")
    box.add(forged.encode())

    env = settings_env(settings)
    done = run_pipeline(["bounces", "process", str(tmp_path / "Maildir")], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "9 messages read (1 complaint, 3 hard, 1 other, 3 soft, 1 unsubscribe); 7 matched to "
        "a delivery, 1 unmatched, 0 seen before, 0 unreadable; 4 addresses suppressed")
    again = run_pipeline(["bounces", "process", "-"], cwd=tmp_path, env=env,
                         input_text=dsn(hard, "5.1.1", "failed").decode())
    assert "0 matched to a delivery, 0 unmatched, 1 seen before" in again.stdout

    with app.session(readonly=True) as db:
        statuses = dict(db.execute(select(Subscriber.email, Subscriber.status)).all())
        publications = dict(db.execute(select(Subscriber.email, Subscriber.publications)).all())
        kept = db.scalars(select(BounceReport)).all()
    assert statuses[hard] == statuses[by_verp] == statuses[soft] == SubscriberStatus.BOUNCED
    assert statuses[complaint] == SubscriberStatus.COMPLAINED
    assert statuses[unsubscribe] == SubscriberStatus.CONFIRMED  # still gets the newsletter
    assert publications[unsubscribe] == ["newsletter"]
    assert len(kept) == 9 and all(report.raw for report in kept)
    assert {r.kind for r in kept} == {"hard", "soft", "complaint", "unsubscribe", "other",
                                      "unmatched"}

    smtp.recorder.reset()  # every later send skips the suppressed addresses
    later = add_edition(app, title="Next week")
    send_edition(app, SYSTEM, later)
    assert set(smtp.recorder.by_recipient()) == set(sent) - {hard, by_verp, soft, complaint,
                                                              unsubscribe}
