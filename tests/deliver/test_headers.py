"""ADVERSARIAL 22 and 23: line breaks in whatever reaches a header (raw or hidden in an
encoded word) are refused; display names with quotes, commas, backslashes and non-ASCII stay
one mailbox and come back exactly; the server receives exactly the intended headers and
recipients."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.deliver import ListInfo, MessageTemplate, Recipient, fold_headers
from pipeline.errors import ConfigError, DeliveryError
from pipeline.jobs.send import send_edition
from pipeline.permissions import SYSTEM
from pipeline.settings import load_settings
from tests.deliver.conftest import SmtpServer, add_edition, add_subscribers, make_settings
from tests.deliver.test_send import EXPECTED_HEADERS

INJECTIONS = [
    "Weekly\r\nBcc: victim@example.net",
    "Weekly\nBcc: victim@example.net",
    "Weekly\rBcc: victim@example.net",
    "=?utf-8?q?Weekly=0D=0ABcc:_victim@example.net?=",
    "=?utf-8?b?V2Vla2x5DQpCY2M6IHZpY3RpbUBleGFtcGxlLm5ldA==?=",
]
LIST = ListInfo(list_id="press-review.en.news.example.org", name="Press Review (EN)",
                unsubscribe_url="https://news.example.org/unsubscribe/zzunsubscribetokenzz",
                unsubscribe_mailto="unsubscribe@news.example.org")


def template(**values: str) -> MessageTemplate:
    fields = {"lang": "en", "subject": "Weekly", "text": "Hello\n", "html": "<p>Hello</p>\n",
              "mail_from": "Press <press@news.example.org>", **values}
    return MessageTemplate(mailing_list=LIST, **fields)  # type: ignore[arg-type]


RECIPIENT = Recipient("reader@example.net", "<1.1.abc@news.example.org>", "tok.en-1_x",
                      "pref.tok")


@pytest.mark.parametrize("subject", INJECTIONS)
def test_a_line_break_in_a_subject_is_refused_raw_or_encoded(subject: str) -> None:
    with pytest.raises(DeliveryError, match="Subject"):
        template(subject=subject)


@pytest.mark.parametrize("field, value", [
    ("address", "reader@example.net\r\nBcc: victim@example.net"),
    ("address", "reader@example.net, victim@example.net"),
    ("address", "Reader <reader@example.net>"),
    ("message_id", "<1@x>\r\nBcc: victim@example.net"),
    ("unsubscribe_token", "tok\r\nBcc: victim@example.net"),
    ("unsubscribe_token", "tok%0D%0ABcc:victim"),
    ("preferences_token", "tok>\r\n<mailto:x@y"),
])
def test_a_hostile_recipient_value_is_refused(field: str, value: str) -> None:
    with pytest.raises(DeliveryError):
        template().build(replace(RECIPIENT, **{field: value}), date_at=datetime.now(UTC))


@pytest.mark.parametrize("name", ["Weekly\r\nBcc: victim@example.net",
                                  "=?utf-8?q?A=0D=0ABcc:_victim@example.net?="])
def test_a_sender_name_with_a_line_break_is_refused(name: str) -> None:
    quoted = f'"{name}" <press@news.example.org>'
    with pytest.raises((DeliveryError, ConfigError)):
        template(mail_from=quoted)
    with pytest.raises(ConfigError, match="PIPELINE_MAIL_FROM"):
        load_settings({"PIPELINE_MAIL_FROM": quoted}, settings_file=Path("/nonexistent.toml"))


def test_encoded_text_in_a_header_value_is_kept_as_text() -> None:
    """Words that look like encoded words but hold no line break stay as they were meant;
    a long subject with accents comes back exactly."""
    folded = fold_headers([("Subject", "Plain =?utf-8?q?caf=C3=A9?= and « 4 per 1000 »")])
    parsed = email.message_from_bytes(folded + b"\r\n", policy=policy.SMTP)
    assert str(parsed["Subject"]) == "Plain café and « 4 per 1000 »"
    subject = "Revue de presse de l'Initiative « 4 pour 1000 » – " + "très " * 40
    parsed = email.message_from_bytes(fold_headers([("Subject", subject.strip())]) + b"\r\n",
                                      policy=policy.SMTP)
    assert str(parsed["Subject"]) == subject.strip()


NAMES = ['Dupont, Jean "JD"', "Back\\slash \\ and, comma", "Zoë O'Brien — « 4 pour 1000 »",
         '"', "José Ñandú, Iniciativa «4 por 1000»", "=?utf-8?q?not_an_encoded_word",
         "a" * 120 + ", très long"]


@pytest.mark.parametrize("name", NAMES)
def test_display_names_stay_one_mailbox_and_round_trip(name: str) -> None:
    mail_from = str(Address(display_name=name, addr_spec="press@news.example.org"))
    data = template(mail_from=mail_from).build(RECIPIENT, date_at=datetime.now(UTC))
    message = email.message_from_bytes(data, policy=policy.SMTP)
    (sender,) = message["From"].addresses
    assert sender.display_name == name and sender.addr_spec == "press@news.example.org"
    assert message["To"].addresses[0].addr_spec == "reader@example.net"
    assert len(message["To"].addresses) == 1


def test_the_server_receives_exactly_the_intended_headers_and_recipients(
        tmp_path: Path, smtp: SmtpServer) -> None:
    """An edition whose titles carry line breaks, encoded words and header-like text, from
    a sender whose name has quotes, a comma, a backslash and accents."""
    name = 'Initiative "4 pour 1000", Secrétariat \\ exécutif'
    mail_from = str(Address(display_name=name, addr_spec="newsletter@news.example.org"))
    app = App(make_settings(tmp_path, smtp.url, mail_from=mail_from))
    hostile = "Soil\r\nBcc: victim@example.net =?utf-8?q?=0D=0ABcc:_x@example.net?= \nTo: x@y"
    edition_id = add_edition(app, title=hostile)
    wanted = add_subscribers(app, 3)
    send_edition(app, SYSTEM, edition_id)
    assert sorted(m.rcpt_tos[0] for m in smtp.recorder.received) == sorted(wanted)
    for raw in smtp.recorder.received:
        assert len(raw.rcpt_tos) == 1
        message = raw.message
        assert {key.lower() for key in message} == EXPECTED_HEADERS - {"dkim-signature"}
        (sender,) = message["From"].addresses
        assert sender.display_name == name
        assert "victim@example.net" not in raw.data.split(b"\r\n\r\n", 1)[0].decode()
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        assert "Bcc: victim@example.net" in text.get_content()  # shown as text, in the body


def test_recipient_headers_are_what_the_email_package_writes() -> None:
    """Each message's own headers are the email package's, written once with stand-ins and
    filled with checked values: byte for byte what it writes for those values directly."""
    moment = datetime(2026, 11, 28, 7, 38, 54, tzinfo=UTC)
    made = template()
    for recipient in (RECIPIENT, replace(RECIPIENT, address="o'neil+news@sub.example.org",
                                         unsubscribe_token="a" * 200,
                                         message_id="<9.12.ab@news.example.org>")):
        data = made.build(recipient, date_at=moment)
        expected = made.recipient_headers(recipient, date_at=moment)
        assert expected in data.split(b"\r\n\r\n", 1)[0] + b"\r\n"


def test_long_lines_with_links_decode_to_the_same_text() -> None:
    """A link in the middle of a long line (MJML writes few line breaks) is cut out with soft
    line breaks: the decoded part is the text with the recipient's link, every encoded line
    within 76 characters."""
    long_line = ("<td>" + "é" * 40 + " =x " * 30 + "<a href=\"https://news.example.org/unsubscribe/"
                 "zzunsubscribetokenzz\">out</a>" + " tail" * 50 + "</td>")
    made = template(html=f"<p>start</p>\n{long_line}\n<p>end</p>\n")
    token = "T" * 75 + ".x-y_z"
    data = made.build(replace(RECIPIENT, unsubscribe_token=token), date_at=datetime.now(UTC))
    message = email.message_from_bytes(data, policy=policy.SMTP)
    html_part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    decoded = html_part.get_content().replace("\r\n", "\n")
    assert decoded.rstrip("\n") == f"<p>start</p>\n{long_line}\n<p>end</p>".replace(
        "zzunsubscribetokenzz", token)
    body = data.split(b"\r\n\r\n", 1)[1]
    assert all(len(line) <= 76 for line in body.split(b"\r\n")), [
        line for line in body.split(b"\r\n") if len(line) > 76]
