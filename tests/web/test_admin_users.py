"""Invitations, password links and the users page: the message a local SMTP server
(aiosmtpd) receives, the link followed once (replayed, tampered with and expired links
refused and changing nothing), deactivation ending sessions at once, the last
administrator kept."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.jobs.invitations import SALT
from pipeline.store.models import AuditEntry, Invitation, User, WebSession
from pipeline.web.app import create_app
from tests.conftest import run_pipeline
from tests.web.conftest import PASSWORD, SECRET_KEY, Site, csrf_of, make_site, sign_in
from tests.web.smtp import Mailbox, smtp_server

NEW_PASSWORD = "a brand new password"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("users"), smtp_url=mailbox.url,
                     base_url="http://testserver")
    try:
        yield made
    finally:
        made.app.close()


def link_in(mailbox: Mailbox, to: str) -> tuple[str, str]:
    """(subject, link path) of the last message to ``to``."""
    received = [m for m in mailbox.messages if m.rcpt_tos == [to]]
    assert received, f"nothing was sent to {to}"
    message = email.message_from_bytes(received[-1].data, policy=email.policy.default)
    body = message.get_content()  # type: ignore[union-attr]
    found = re.search(r"http://testserver(/set-password/\S+)", body)
    assert found, body
    return str(message["Subject"]), found.group(1)


def count(site: Site, model: type, *where: object) -> int:
    with site.app.session(readonly=True) as db:
        return len(db.scalars(select(model).where(*where)).all())  # type: ignore[arg-type]


def test_an_invited_ambassador_sets_a_password_once(site: Site, mailbox: Mailbox) -> None:
    admin = site.client()
    token = sign_in(admin, "admin")
    page = admin.post("/admin/invitations", data={
        "name": "Amina", "email": "amina@example.org", "role": "ambassador",
        "region": "latin-america-caribbean", "language": "es", "csrf_token": token})
    assert page.status_code == 200 and "The link was sent to amina@example.org." in page.text
    subject, path = link_in(mailbox, "amina@example.org")
    assert subject == "Está invitado a las ediciones « 4 por 1000 »"
    raw = mailbox.messages[-1].data.decode()
    assert "Message-ID:" in raw and "\r\nBcc" not in raw
    assert count(site, User, User.name == "Amina") == 0  # made when the link is followed
    assert "Amina" in admin.get("/admin/users").text  # listed as a pending invitation

    visitor = site.client()
    form = visitor.get(path)
    assert form.status_code == 200 and "Amina" in form.text
    differ = visitor.post(path, data={"new": NEW_PASSWORD, "confirm": "something else",
                                      "csrf_token": csrf_of(form.text)})
    assert differ.status_code == 400
    done = visitor.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                    "csrf_token": csrf_of(form.text)})
    assert done.status_code == 303 and done.headers["location"] == "/portal"
    assert visitor.get("/portal").status_code == 200
    with site.app.session(readonly=True) as db:
        user = db.scalar(select(User).where(User.name == "Amina"))
        assert user is not None
        assert (user.role, user.region, user.email, user.language) == (
            "ambassador", "latin-america-caribbean", "amina@example.org", "es")
    # Replayed: refused, nothing changes (no second account, the password stays).
    before = site.snapshot()
    again = site.client()
    replay = again.get(path)
    assert replay.status_code == 410 and "cannot be used" in replay.text
    anon = csrf_of(replay.text)
    assert again.post(path, data={"new": "x" * 20, "confirm": "x" * 20,
                                  "csrf_token": anon}).status_code == 410
    assert site.snapshot() == before
    sign_in(site.client(), "Amina", NEW_PASSWORD)


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "x" + t,
    lambda t: t.split(".")[0] + ".." + t.split(".")[-1],
    lambda t: URLSafeTimedSerializer("another key, long enough to sign", salt=SALT).dumps(
        "fixed-nonce"),
    lambda t: URLSafeTimedSerializer(SECRET_KEY, salt="another purpose").dumps("fixed-nonce"),
    lambda t: URLSafeTimedSerializer(SECRET_KEY, salt=SALT).dumps("no such nonce"),
    lambda t: URLSafeTimedSerializer(SECRET_KEY, salt=SALT).dumps(["fixed-nonce"]),
    lambda t: "%00" + t, lambda t: "a" * 500,
])
def test_a_tampered_link_is_refused_and_changes_nothing(site: Site, tamper: object) -> None:
    good = URLSafeTimedSerializer(SECRET_KEY, salt=SALT).dumps("fixed-nonce")
    path = "/set-password/" + tamper(good)  # type: ignore[operator]
    client = site.client()
    page = client.get(path)
    assert page.status_code in (404, 410)
    before = site.snapshot()
    token = client.cookies.get("pipeline_csrf") or csrf_of(page.text)
    answer = client.post(path, data={"new": "y" * 20, "confirm": "y" * 20,
                                     "csrf_token": token})
    assert answer.status_code in (404, 410)
    assert site.snapshot() == before
    assert client.get("/set-password/" + good).status_code == 200  # the real one still works


class EightDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int((datetime.now(UTC) - timedelta(days=8)).timestamp())


def test_an_expired_link_is_refused(site: Site) -> None:
    with site.app.session() as db:
        row = db.scalar(select(Invitation).where(Invitation.nonce == "fixed-nonce"))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    try:
        good = URLSafeTimedSerializer(SECRET_KEY, salt=SALT).dumps("fixed-nonce")
        assert site.client().get("/set-password/" + good).status_code == 410
        # and a link signed longer ago than invitations last, whatever the row says
        old = URLSafeTimedSerializer(SECRET_KEY, salt=SALT, signer=EightDaysAgo)
        with site.app.session() as db:
            row = db.scalar(select(Invitation).where(Invitation.nonce == "fixed-nonce"))
            assert row is not None
            row.expires_at = datetime.now(UTC) + timedelta(days=1)
        assert site.client().get("/set-password/" + old.dumps("fixed-nonce")).status_code == 410
    finally:
        with site.app.session() as db:
            row = db.scalar(select(Invitation).where(Invitation.nonce == "fixed-nonce"))
            assert row is not None
            row.expires_at = datetime.now(UTC) + timedelta(days=7)


def test_deactivation_signs_out_at_once_and_a_reset_link_sets_a_new_password(
        site: Site, mailbox: Mailbox) -> None:
    target = site.client()
    sign_in(target, "target")
    other_device = site.client()
    sign_in(other_device, "target")
    admin = site.client()
    token = sign_in(admin, "admin")
    admin.post("/admin/users/5", data={"role": "editor", "email": "target@example.org",
                                       "csrf_token": token})
    done = admin.post("/admin/users/5/deactivate", data={"csrf_token": token})
    assert done.status_code == 303
    assert count(site, WebSession, WebSession.user_id == 5) == 0
    for client in (target, other_device):
        assert client.get("/").headers["location"].startswith("/login")
    refused = site.client()
    page = refused.get("/login")
    answer = refused.post("/login", data={"name": "target", "password": PASSWORD,
                                          "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 401 and "Wrong name or password." in answer.text
    assert admin.post("/admin/users/5/reset-link", data={"csrf_token": token}).status_code \
        == 400  # not for a deactivated account
    assert admin.post("/admin/users/5/reactivate", data={"csrf_token": token}).status_code \
        == 303
    page = admin.post("/admin/users/5/reset-link", data={"csrf_token": token})
    assert "The link was sent to target@example.org." in page.text
    shown = re.search(r'<code class="link">http://testserver(/set-password/[^<]+)</code>',
                      page.text)
    assert shown
    _subject, path = link_in(mailbox, "target@example.org")
    assert path == shown.group(1) or urlsplit(path).path.startswith("/set-password/")
    sign_in(target, "target")  # a session that the reset ends
    visitor = site.client()
    form = visitor.get(path)
    assert "Choose a new password" in form.text
    visitor.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                             "csrf_token": csrf_of(form.text)})
    assert target.get("/").headers["location"].startswith("/login")
    sign_in(site.client(), "target", NEW_PASSWORD)
    with site.app.session(readonly=True) as db:
        actions = list(db.scalars(select(AuditEntry.action).where(
            AuditEntry.target == "user:target").order_by(AuditEntry.id)))
    assert actions[-6:] == ["user.deactivated", "user.reactivated", "user.reset_link",
                            "user.sign_in", "user.password", "user.sign_in"]


def test_the_last_administrator_and_oneself_are_kept(site: Site) -> None:
    admin = site.client()
    token = sign_in(admin, "admin")
    own = admin.post("/admin/users/4/deactivate", data={"csrf_token": token})
    assert own.status_code == 400 and "your own account" in own.text
    demoted = admin.post("/admin/users/4", data={"role": "editor", "csrf_token": token})
    assert demoted.status_code == 400 and "last active administrator" in demoted.text
    bad = admin.post("/admin/users/5", data={"role": "ambassador", "region": "",
                                             "csrf_token": token})
    assert bad.status_code == 400 and "An ambassador needs a region." in bad.text
    assert admin.post("/admin/users/999/deactivate", data={"csrf_token": token}
                      ).status_code == 404


@pytest.mark.parametrize("fields, problem", [
    ({"name": "", "email": "a@example.org"}, "Give an account name"),
    ({"name": "x\ny", "email": "a@example.org"}, "Give an account name"),
    ({"name": "editor", "email": "a@example.org"}, "This account name is taken"),
    ({"name": "invited", "email": "a@example.org"}, "This account name is taken"),
    ({"name": "ok", "email": "not an address"}, "Give an email address"),
    ({"name": "ok", "email": "a@example.org\r\nBcc: victim@example.org"}, "Give an email"),
    ({"name": "ok", "email": "\"Eve\" <eve@example.org>"}, "Give an email address"),
    ({"name": "ok", "email": "a@example.org", "role": "root"}, "Choose one of the roles"),
    ({"name": "ok", "email": "a@example.org", "role": "ambassador"}, "needs a region"),
])
def test_bad_invitations_are_refused_and_nothing_is_sent(site: Site, mailbox: Mailbox,
                                                         fields: dict[str, str],
                                                         problem: str) -> None:
    admin = site.client()
    token = sign_in(admin, "admin")
    sent = len(mailbox.messages)
    before = site.snapshot()
    answer = admin.post("/admin/invitations", data={"role": "editor", **fields,
                                                    "csrf_token": token})
    assert answer.status_code == 400 and problem in answer.text
    assert len(mailbox.messages) == sent
    assert site.snapshot() == before


def test_without_a_secret_key_no_link_is_made(site: Site) -> None:
    keyless = create_app(App(replace(site.app.settings, secret_key="")))
    admin = TestClient(keyless, base_url="http://testserver", follow_redirects=False)
    token = sign_in(admin, "admin")
    before = site.snapshot()
    answer = admin.post("/admin/invitations", data={
        "name": "someone", "email": "s@example.org", "role": "editor", "csrf_token": token})
    assert answer.status_code == 400 and "PIPELINE_SECRET_KEY" in answer.text
    assert {k: v for k, v in site.snapshot().items() if k != "web_sessions"} == {
        k: v for k, v in before.items() if k != "web_sessions"}


def test_the_command_line_invites_too(tmp_path: Path, mailbox: Mailbox) -> None:
    env = {"PIPELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "PIPELINE_SMTP_URL": mailbox.url, "PIPELINE_SECRET_KEY": SECRET_KEY,
           "PIPELINE_BASE_URL": "http://testserver"}
    made = run_pipeline(["users", "add", "boss", "--role", "admin", "--password-stdin"],
                        cwd=tmp_path, env=env, input_text=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    done = run_pipeline(["users", "invite", "Kofi", "--email", "kofi@example.org",
                         "--region", "africa", "--language", "fr", "--by", "boss"],
                        cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("http://testserver/set-password/")
    subject, _path = link_in(mailbox, "kofi@example.org")
    assert subject == "Vous êtes invité aux éditions « 4 pour 1000 »"
    refused = run_pipeline(["users", "invite", "Kofi", "--email", "kofi@example.org",
                            "--region", "africa", "--by", "boss"], cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == ["error: name: the name 'Kofi' is taken"]
