"""The preview in-process: the e-mail of each language in a sandboxed frame under its own
policy, desktop and phone widths, the plain-text part; hostile titles shown literally; a test
message to a real SMTP server on 127.0.0.1 (the bytes it received are checked); bad
addresses and header injection refused before any connection (ADVERSARIAL 14, 15, 22)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.jobs.preview import render_preview
from pipeline.permissions import SYSTEM
from pipeline.web.app import create_app
from tests.web.conftest import HOSTILE_TITLE, Site, sign_in
from tests.web.smtp import Mailbox, smtp_server


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def mailing_site(site: Site, mailbox: Mailbox) -> Iterator[tuple[TestClient, str]]:
    """The same site with PIPELINE_SMTP_URL pointing at the local server, an approver signed
    in (and the session's CSRF token)."""
    app = App(replace(site.app.settings, smtp_url=mailbox.url,
                      mail_from="« 4 per 1000 » <newsletter@4p1000.example>"))
    try:
        client = TestClient(create_app(app), base_url="http://testserver",
                            follow_redirects=False)
        yield client, sign_in(client, "approver")
    finally:
        app.close()


def url(site: Site, rest: str = "") -> str:
    return f"/editions/{site.edition_ids['press-review/draft']}/preview{rest}"


def test_the_page_frames_the_email_of_each_language_at_two_widths(site: Site) -> None:
    client = site.client()
    sign_in(client, "editor")
    for lang, width in (("fr", "desktop"), ("es", "phone")):
        answer = client.get(url(site, f"?lang={lang}&view={width}"))
        assert answer.status_code == 200
        policy_header = answer.headers["content-security-policy"]
        assert "frame-src 'self'" in policy_header and "script-src 'self'" in policy_header
        assert f'<iframe class="frame frame-{width}" src="{url(site)}/{lang}/email" ' \
            'sandbox="allow-popups allow-popups-to-escape-sandbox"' in answer.text
    text = client.get(url(site, "?lang=en&view=text"))
    assert '<pre class="plain" lang="en">' in text.text and "<iframe" not in text.text
    assert "Press Review of the « 4 per 1000 » Initiative" in html.unescape(text.text)
    assert "Send a test" not in text.text  # an editor may not send
    assert client.get(url(site, "?lang=de")).status_code == 404
    assert client.get(url(site, "?view=<script>")).status_code == 404


def test_the_email_has_its_own_strict_policy_and_shows_hostile_titles_literally(
        site: Site) -> None:
    client = site.client()
    sign_in(client, "editor")
    answer = client.get(url(site, "/en/email"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "sandbox" in csp and "frame-ancestors 'self'" in csp and "form-action 'none'" in csp
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    page = answer.text
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}" in page
    assert HOSTILE_TITLE not in page
    rendered = render_preview(site.app, SYSTEM, site.edition_ids["press-review/draft"], "en")
    assert page == rendered.html  # exactly what a subscriber would get
    for bad in ("/de/email", "/..%2Fen/email", "/en%00/email", "/en/email/..",
                "/%2e%2e/email"):
        assert client.get(url(site, bad)).status_code == 404, bad


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_test_message_reaches_the_smtp_server_as_html_and_text(
        site: Site, mailbox: Mailbox, mailing_site: tuple[TestClient, str]) -> None:
    client, token = mailing_site
    page = client.get(url(site, "?lang=es&view=phone")).text
    assert "Send the test in español" in page
    done = client.post(url(site, "/test"), data={
        "lang": "es", "to": " marie@example.org ", "view": "phone", "csrf_token": token})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == url(site, "?lang=es&view=phone&sent=1")
    assert "The test message in ES is sent." in client.get(done.headers["location"]).text
    assert len(mailbox.messages) == 1
    received = mailbox.messages[0]
    assert received.rcpt_tos == ["marie@example.org"]
    assert received.mail_from == "newsletter@4p1000.example"
    message = parsed(received.data)
    rendered = render_preview(site.app, SYSTEM, site.edition_ids["press-review/draft"], "es")
    assert message["To"] == "marie@example.org"
    assert message["Subject"] == f"[TEST] {rendered.subject}"
    assert message["From"].addresses[0].display_name == "« 4 per 1000 »"
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "es"
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    # lines end in CRLF on the wire (RFC 5322); the words are the render's, byte for byte
    assert text_part.get_content().replace("\r\n", "\n") == rendered.text
    assert html_part.get_content().replace("\r\n", "\n").rstrip("\n") == \
        rendered.html.rstrip("\n")
    assert b"\r\nBcc:" not in received.data and b"\r\nCc:" not in received.data


@pytest.mark.parametrize("address", [
    "", "nobody", "a@b.org, c@d.org", "marie@example.org\r\nBcc: spy@example.org",
    "marie@example.org\nBcc: spy@example.org", "=?utf-8?q?marie=0D=0ABcc=3A_x=40y.org?=@x.org",
    "Marie <marie@example.org>", "marie@example.org\x00", "x" * 300 + "@example.org",
    "'; DROP TABLE users; --@example.org",
])
def test_a_bad_address_is_refused_before_any_connection(
        site: Site, mailbox: Mailbox, mailing_site: tuple[TestClient, str],
        address: str) -> None:
    client, token = mailing_site
    count = len(mailbox.messages)
    before = site.snapshot()
    answer = client.post(url(site, "/test"), data={"lang": "fr", "to": address,
                                                        "csrf_token": token})
    assert answer.status_code == 400
    assert "Give one e-mail address" in answer.text
    assert len(mailbox.messages) == count
    assert site.snapshot() == before


def test_without_an_smtp_server_the_approver_is_told_in_one_line(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "admin")
    answer = client.post(url(site, "/test"), data={"lang": "fr", "to": "admin@example.org",
                                                   "csrf_token": token})
    assert answer.status_code == 502
    assert "no SMTP server is configured (PIPELINE_SMTP_URL)" in answer.text
