"""The subscription pages and the Send page through the web app, with a real SMTP server
behind: ADVERSARIAL 20 (sign-up flooding, the same neutral answer) and 24 (unsubscribe links
tampered, expired, replayed, for another list; a GET never unsubscribes; the one-click POST
unsubscribes without cookies or redirect)."""

from __future__ import annotations

import email
import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.jobs.send import send_edition
from pipeline.jobs.subscriptions import SIGN_UPS_PER_HOUR, notice_mailer
from pipeline.permissions import SYSTEM
from pipeline.signing import Purpose, make_link_token
from pipeline.states import EditionStatus, SubscriberStatus
from pipeline.store.models import Consent, Edition, Subscriber
from pipeline.store.users import add_user
from pipeline.web.app import create_app
from tests.deliver.conftest import (
    SECRET,
    SmtpServer,
    add_edition,
    add_subscribers,
    make_settings,
    subscriber_address,
)
from tests.web.conftest import PASSWORD, csrf_of, sign_in


@dataclass
class Site:
    app: App
    asgi: object
    smtp: SmtpServer

    def client(self, ip: str = "198.51.100.7") -> TestClient:
        return TestClient(self.asgi, base_url="https://testserver",  # type: ignore[arg-type]
                          follow_redirects=False, client=(ip, 50000))

    def stranger(self) -> TestClient:
        """A client that never opened a page: no cookie."""
        return TestClient(self.asgi, base_url="https://testserver",  # type: ignore[arg-type]
                          follow_redirects=False)

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        notice_mailer(self.app).wait()
        return [email.message_from_bytes(m.data, policy=policy.SMTP)  # type: ignore[misc]
                for m in self.smtp.recorder.received if m.rcpt_tos == [address]]

    def subscriber(self, address: str) -> Subscriber:
        with self.app.session(readonly=True) as db:
            row = db.scalar(select(Subscriber).where(Subscriber.email == address))
        assert row is not None
        return row


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("pages")
    app = App(make_settings(folder, smtp_server.url))
    with app.session() as db:
        add_user(db, "approver", "approver", PASSWORD, None)
    yield Site(app, create_app(app), smtp_server)
    app.close()


def form_of(client: TestClient, url: str) -> str:
    return csrf_of(client.get(url).text)


def sign_up(client: TestClient, address: str, *, language: str = "es",
            publications: tuple[str, ...] = ("press-review",), **extra: str) -> str:
    token = form_of(client, "/subscribe")
    answer = client.post("/subscribe", data={"email": address, "language": language,
                                             "publications": list(publications),
                                             "csrf_token": token, **extra})
    return f"{answer.status_code} {answer.text}"


def link_in(message: email.message.EmailMessage, path: str) -> str:
    found = re.search(rf"https://news\.example\.org({path}/[A-Za-z0-9_.\-]+)",
                      str(message.get_content()))
    assert found, message.get_content()
    return found.group(1)


def test_sign_up_confirms_by_a_signed_link_with_a_consent_record(site: Site) -> None:
    client = site.client()
    address = "nueva@example.org"
    answer = sign_up(client, address, publications=("press-review", "newsletter"))
    assert answer.startswith("200 ") and "un mensaje" not in answer  # page in the browser's
    (mail,) = site.mails_to(address)  # language, the mail in the one chosen
    assert mail["Content-Language"] == "es" and "Confirme" in str(mail["Subject"])
    assert "Boletín y Revista de prensa" in mail.get_content()
    confirm = link_in(mail, "/subscribe/confirm")
    page = client.get(confirm)  # a link scanner's GET confirms nothing
    assert page.status_code == 200 and site.subscriber(address).status == "pending"
    done = client.post(confirm, data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "Your subscription is confirmed" in done.text
    row = site.subscriber(address)
    assert row.status == SubscriberStatus.CONFIRMED and row.consent_at is not None
    with site.app.session(readonly=True) as db:
        consents = db.scalars(select(Consent).where(Consent.subscriber_id == row.id)).all()
    assert [c.action for c in consents] == ["subscribe", "confirm"]
    assert all(c.ip == "198.51.100.7" and c.wording.startswith("I agree to receive")
               and c.language == "en" for c in consents)
    assert consents[0].publications == ["newsletter", "press-review"]


def test_flooding_one_address_mails_once_a_day_with_the_same_answer(site: Site) -> None:
    """ADVERSARIAL 20: known or not, the same page; one mail per address and day; a limit
    per connection; the honeypot catches robots with the same answer."""
    client = site.client("203.0.113.20")
    known = "known@example.org"
    sign_up(client, known)
    answers = {sign_up(client, address) for address in
               (known, known, "unknown@example.org", "other@example.org")}
    assert len(answers) == 1 and answers.pop().startswith("200 ")
    assert len(site.mails_to(known)) == 1
    trap = sign_up(client, "robot@example.org", website="http://spam.example")
    assert trap == sign_up(client, "unknown@example.org")
    with site.app.session(readonly=True) as db:
        assert db.scalar(select(Subscriber).where(Subscriber.email == "robot@example.org")) \
            is None
    assert site.mails_to("robot@example.org") == []
    for number in range(SIGN_UPS_PER_HOUR - 6):  # six sign-ups counted so far
        assert sign_up(client, f"extra{number}@example.org").startswith("200 ")
    refused = sign_up(client, "one-too-many@example.org")
    assert refused.startswith("429 ") and "Too many sign-ups" in refused
    assert site.mails_to("one-too-many@example.org") == []
    assert sign_up(site.client("203.0.113.21"), "elsewhere@example.org").startswith("200 ")
    bad = sign_up(client, "not an address")
    assert bad.startswith("400 ")


def test_unsubscribe_links_survive_tampering_expiry_replay_and_scanners(site: Site) -> None:
    """ADVERSARIAL 24."""
    smtp = site.smtp
    smtp.recorder.reset()
    edition_id = add_edition(site.app)
    add_subscribers(site.app, 3, start=500, publications="press-review;newsletter")
    send_edition(site.app, SYSTEM, edition_id)
    address = subscriber_address(500)
    (message,) = [m.message for m in smtp.recorder.received if m.rcpt_tos == [address]]
    url = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = url.removeprefix("https://news.example.org")
    before = site.subscriber(address)

    scanner = site.client()
    assert scanner.get(path).status_code == 200  # shows a button, changes nothing
    assert scanner.head(path).status_code in (200, 405)
    assert site.subscriber(address).publications == before.publications

    link = path.rsplit("/", 1)[1]
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    expired = make_link_token(SECRET, Purpose.UNSUBSCRIBE, before.token, "press-review",
                              issued_at=datetime.now(UTC) - timedelta(days=500))
    wrong_purpose = make_link_token(SECRET, Purpose.PREFERENCES, before.token)
    one_click = {"List-Unsubscribe": "One-Click"}
    for bad, words in ((tampered, "not valid"), (f"/unsubscribe/{expired}", "has expired"),
                       (f"/unsubscribe/{wrong_purpose}", "not valid"),
                       (f"/unsubscribe/{link}.x", "not valid")):
        for answer in (scanner.get(bad), site.stranger().post(bad, data=one_click)):
            assert answer.status_code == 400 and words in answer.text, bad
    assert scanner.post(path, data={}).status_code == 400  # no One-Click body
    assert scanner.post(path, data=one_click,
                        headers={"Origin": "https://evil.example"}).status_code == 403
    assert site.subscriber(address).publications == before.publications

    provider = site.stranger()  # a mail provider: no cookie, no token, no Origin
    done = provider.post(path, data=one_click)
    assert done.status_code == 200 and "location" not in done.headers
    assert "unsubscribed from the Press Review" in html.unescape(done.text)
    after = site.subscriber(address)
    assert after.publications == ["newsletter"] and after.status == "confirmed"
    again = provider.post(path, data=one_click)  # replayed: the same answer, nothing more
    assert again.status_code == 200
    with site.app.session(readonly=True) as db:
        actions = db.scalars(select(Consent.action).where(
            Consent.subscriber_id == after.id)).all()
    assert actions.count("unsubscribe") == 1

    newsletter = make_link_token(SECRET, Purpose.UNSUBSCRIBE, after.token, "newsletter")
    assert provider.post(f"/unsubscribe/{newsletter}", data=one_click).status_code == 200
    assert site.subscriber(address).status == SubscriberStatus.UNSUBSCRIBED


def test_preferences_export_and_erasure_by_the_link_in_every_message(site: Site) -> None:
    smtp = site.smtp
    smtp.recorder.reset()
    edition_id = add_edition(site.app, title="For the preferences")
    add_subscribers(site.app, 1, start=702)
    send_edition(site.app, SYSTEM, edition_id)
    address = subscriber_address(702)
    (message,) = [m.message for m in smtp.recorder.received if m.rcpt_tos == [address]]
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    assert isinstance(text, email.message.EmailMessage)
    path = link_in(text, "/preferences")

    client = site.client()
    page = client.get(path)
    assert page.status_code == 200 and address in page.text
    assert '<html lang="fr"' in page.text  # the subscriber's own language
    saved = client.post(path, data={"language": "en", "publications": ["newsletter"],
                                    "csrf_token": csrf_of(page.text)})
    assert saved.status_code == 200 and "Your choices are saved." in saved.text
    row = site.subscriber(address)
    assert (row.language, row.publications) == ("en", ["newsletter"])

    exported = client.post(f"{path}/export", data={"csrf_token": csrf_of(page.text)})
    assert exported.headers["content-disposition"].startswith("attachment")
    data = json.loads(exported.text)
    assert data["email"] == address and data["language"] == "en"
    assert [c["action"] for c in data["consents"]] == ["import", "preferences"]
    assert data["deliveries"][0]["status"] == "sent"

    refused = client.post(f"{path}/erase", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400 and site.subscriber(address).email == address
    erased = client.post(f"{path}/erase", data={"csrf_token": csrf_of(page.text),
                                                "confirm": "yes"})
    assert erased.status_code == 200
    with site.app.session(readonly=True) as db:
        assert db.scalar(select(Subscriber).where(Subscriber.email == address)) is None
        assert db.scalar(select(Consent).where(Consent.subscriber_id == row.id)) is None
        gone = db.get(Subscriber, row.id)
    assert gone is not None and gone.email.endswith("@erased.invalid")
    assert gone.status == SubscriberStatus.UNSUBSCRIBED and gone.token != row.token
    assert client.get(path).status_code == 400  # the old link matches nobody


def test_the_send_page_confirms_the_number_and_shows_progress(site: Site) -> None:
    smtp = site.smtp
    smtp.recorder.reset()
    edition_id = add_edition(site.app, title="Sent from the browser")
    client = site.client()
    sign_in(client, "approver")
    page = client.get(f"/editions/{edition_id}/send")
    assert page.status_code == 200
    count = int(re.search(r'name="recipients" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    assert f"Send to {count} subscribers" in page.text
    token = csrf_of(page.text)
    unconfirmed = client.post(f"/editions/{edition_id}/send",
                              data={"recipients": str(count), "csrf_token": token})
    assert unconfirmed.status_code == 400
    stale = client.post(f"/editions/{edition_id}/send",
                        data={"recipients": str(count + 1), "confirm": "yes",
                              "csrf_token": token})
    assert stale.status_code == 409 and "number of recipients changed" in stale.text
    started = client.post(f"/editions/{edition_id}/send",
                          data={"recipients": str(count), "confirm": "yes", "csrf_token": token})
    assert started.status_code == 303
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = client.get(f"/editions/{edition_id}/send/progress",
                              headers={"HX-Request": "true"})
        assert progress.status_code == 200 and "<html" not in progress.text
        with site.app.session(readonly=True) as db:
            edition = db.get(Edition, edition_id)
        if edition is not None and edition.status == EditionStatus.SENT:
            break
        time.sleep(0.2)
    assert edition is not None and edition.status == EditionStatus.SENT
    assert len(smtp.recorder.received) == count
    final = client.get(f"/editions/{edition_id}/send/progress", headers={"HX-Request": "true"})
    assert f"{count} of {count} done" in final.text and "hx-trigger" not in final.text
