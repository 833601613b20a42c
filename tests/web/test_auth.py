"""Signing in and out, sessions, the rate limit and CSRF (ADVERSARIAL items 16, 17, 19)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from pipeline.store.models import AuditEntry, LoginFailure, User, WebSession
from pipeline.store.sessions import SessionPolicy
from pipeline.web.app import create_app
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in
from tests.web.routes import ROUTES


def count(site: Site, model: type) -> int:
    with site.app.session(readonly=True) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def clear_failures(site: Site) -> None:
    with site.app.session() as db:
        db.execute(LoginFailure.__table__.delete())


def test_a_page_sends_an_anonymous_visitor_to_sign_in_and_back(site: Site) -> None:
    client = site.client()
    first = client.get("/editions/1?tab=texts")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/editions/1%3Ftab%3Dtexts"
    page = client.get(first.headers["location"])
    assert 'name="next" value="/editions/1?tab=texts"' in page.text
    done = client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "next": "/editions/1?tab=texts",
                                       "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    assert done.headers["location"] == "/editions/1?tab=texts"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("pipeline_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # served over http here; see the https test
    assert client.get("/").status_code == 200


def test_https_base_url_makes_cookies_secure_and_host_prefixed(site: Site) -> None:
    from dataclasses import replace

    from pipeline.app import App

    settings = replace(site.app.settings, base_url="https://review.example.org")
    secure = create_app(App(settings))
    from starlette.testclient import TestClient

    client = TestClient(secure, base_url="https://review.example.org", follow_redirects=False)
    page = client.get("/login")
    assert "__Host-pipeline_csrf=" in page.headers["set-cookie"]
    assert "Secure" in page.headers["set-cookie"]
    assert page.headers["strict-transport-security"].startswith("max-age=")
    done = client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    assert done.headers["set-cookie"].startswith("__Host-pipeline_session=")
    assert "Secure" in done.headers["set-cookie"]


@pytest.mark.parametrize("name, password", [
    ("editor", "wrong password"),
    ("nobody", PASSWORD),
    ("' OR '1'='1", "' OR '1'='1"),
    ("admin'--", "x"),
    ("admin\"; DROP TABLE users; --", "'); DELETE FROM web_sessions; --"),
    ("editor\x00", PASSWORD),
    ("é" * 5000, "x" * 5000),
])
def test_wrong_or_hostile_credentials_get_one_neutral_answer(site: Site, name: str,
                                                              password: str) -> None:
    clear_failures(site)
    client = site.client()
    token = csrf_of(client.get("/login").text)
    users_before = count(site, User)
    answer = client.post("/login", data={"name": name, "password": password,
                                         "csrf_token": token})
    assert answer.status_code == 401
    assert "Wrong name or password." in answer.text
    assert "set-cookie" not in answer.headers or "pipeline_session" not in answer.headers[
        "set-cookie"]
    assert count(site, User) == users_before
    sign_in(site.client(), "admin")  # the table and the accounts are intact


def test_sign_in_is_rate_limited_per_account_and_per_address_across_workers(site: Site) -> None:
    clear_failures(site)
    other_worker = create_app(site.app.__class__(site.app.settings))
    from starlette.testclient import TestClient

    def attempt(asgi: object, name: str, password: str) -> int:
        client = TestClient(asgi, base_url="http://testserver", follow_redirects=False)
        token = csrf_of(client.get("/login").text)
        return client.post("/login", data={"name": name, "password": password,
                                           "csrf_token": token}).status_code

    for _ in range(5):
        assert attempt(site.asgi, "approver", "not it at all") == 401
    # The sixth try, even with the right password and through another worker, is refused.
    assert attempt(other_worker, "approver", PASSWORD) == 429
    refused = site.client()
    page = refused.get("/login")
    answer = refused.post("/login", data={"name": "approver", "password": PASSWORD,
                                          "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0
    assert "Too many failed attempts" in answer.text
    # Password spraying: many accounts from one address.
    clear_failures(site)
    for index in range(20):
        assert attempt(other_worker, f"someone-{index}", "guess guess") == 401
    assert attempt(site.asgi, "editor", PASSWORD) == 429
    clear_failures(site)
    assert attempt(site.asgi, "editor", PASSWORD) == 303


def test_the_session_id_is_new_at_every_sign_in_and_a_planted_one_is_dropped(site: Site) -> None:
    clear_failures(site)
    attacker = site.client()
    attacker_token = sign_in(attacker, "editor")
    planted = attacker.cookies["pipeline_session"]
    victim = site.client()
    victim.cookies.set("pipeline_session", planted, domain="testserver.local")
    # The victim's pages carry the planted session's token; they sign in as themselves.
    done = victim.post("/login", data={"name": "admin", "password": PASSWORD,
                                       "csrf_token": attacker_token})
    assert done.status_code == 303
    mine = victim.cookies["pipeline_session"]
    assert mine != planted
    # The planted session ended when the victim signed in: the attacker is not admin (nor
    # anyone) with it.
    assert attacker.get("/").status_code == 303
    assert "admin" in victim.get("/account").text
    # An invented session id is never adopted either.
    invented = site.client()
    invented.cookies.set("pipeline_session", "chosen-by-the-attacker",
                         domain="testserver.local")
    sign_in(invented, "editor")
    assert invented.cookies["pipeline_session"] != "chosen-by-the-attacker"
    # Signing in again while signed in replaces the session too.
    before = victim.cookies["pipeline_session"]
    token = csrf_of(victim.get("/account").text)
    again = victim.post("/login", data={"name": "admin", "password": PASSWORD,
                                        "csrf_token": token})
    assert again.status_code == 303
    assert victim.cookies["pipeline_session"] != before


def test_the_database_keeps_only_a_hash_of_the_session_token(site: Site) -> None:
    client = site.client()
    sign_in(client, "editor")
    token = client.cookies["pipeline_session"]
    with site.app.session(readonly=True) as db:
        ids = list(db.scalars(select(WebSession.id)))
    assert token not in ids
    assert hashlib.sha256(token.encode()).hexdigest() in ids


def test_sign_out_ends_the_session_for_good(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "editor")
    cookie = client.cookies["pipeline_session"]
    done = client.post("/logout", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert 'pipeline_session=""' in done.headers["set-cookie"]
    replay = site.client()
    replay.cookies.set("pipeline_session", cookie, domain="testserver.local")
    refused = replay.get("/")
    assert refused.status_code == 303
    cleared = refused.headers.get_list("set-cookie")
    assert any(c.startswith('pipeline_session=""') for c in cleared), cleared
    assert any(c.startswith("pipeline_csrf=") for c in cleared), cleared


def test_a_password_change_ends_every_other_session(site: Site) -> None:
    clear_failures(site)
    here, elsewhere = site.client(), site.client()
    token = sign_in(here, "approver")
    sign_in(elsewhere, "approver")
    old_cookie = here.cookies["pipeline_session"]
    new_password = "another long password"
    changed = here.post("/account/password", data={
        "current": PASSWORD, "new": new_password, "confirm": new_password,
        "csrf_token": token})
    assert changed.status_code == 303
    assert changed.headers["location"] == "/account?done=password"
    assert here.get("/account?done=password").status_code == 200  # a fresh session here
    assert here.cookies["pipeline_session"] != old_cookie
    assert elsewhere.get("/").status_code == 303  # signed out there
    stale = site.client()
    stale.cookies.set("pipeline_session", old_cookie, domain="testserver.local")
    assert stale.get("/").status_code == 303
    with site.app.session(readonly=True) as db:
        actions = list(db.scalars(select(AuditEntry.action).where(
            AuditEntry.target == "user:approver")))
    assert "user.password" in actions
    # Put the password back for the other tests.
    token = csrf_of(here.get("/account").text)
    back = here.post("/account/password", data={"current": new_password, "new": PASSWORD,
                                                "confirm": PASSWORD, "csrf_token": token})
    assert back.status_code == 303


@pytest.mark.parametrize("form, message", [
    ({"current": "not the password", "new": "x" * 12, "confirm": "x" * 12},
     "The current password is not right."),
    ({"current": PASSWORD, "new": "x" * 12, "confirm": "y" * 12},
     "The two new passwords are not the same."),
    ({"current": PASSWORD, "new": "short", "confirm": "short"}, "A password needs 10 to"),
])
def test_a_refused_password_change_says_why_and_keeps_the_sessions(site: Site, form: dict,
                                                                   message: str) -> None:
    clear_failures(site)
    client = site.client()
    token = sign_in(client, "editor")
    before = count(site, WebSession)
    answer = client.post("/account/password", data={**form, "csrf_token": token})
    assert answer.status_code == 400
    assert message in answer.text
    assert count(site, WebSession) == before
    assert client.get("/").status_code == 200


def test_an_old_scrypt_hash_still_signs_in_and_becomes_argon2(site: Site) -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1)
    legacy = (f"scrypt$16384$8$1${base64.b64encode(salt).decode()}$"
              f"{base64.b64encode(digest).decode()}")
    with site.app.session() as db:
        db.execute(update(User).where(User.name == "editor").values(password_hash=legacy))
    sign_in(site.client(), "editor")
    with site.app.session(readonly=True) as db:
        stored = db.scalar(select(User.password_hash).where(User.name == "editor"))
    assert stored is not None and stored.startswith("$argon2id$")
    sign_in(site.client(), "editor")


@pytest.mark.parametrize("wanted", [
    "https://evil.example/", "//evil.example/", "///evil.example", "/\\evil.example",
    "\\/evil.example", "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)",
    "http:/evil.example", "evil.example", " /", "/\x7f/evil.example",
])
def test_next_never_leaves_the_site(site: Site, wanted: str) -> None:
    client = site.client()
    page = client.get("/login", params={"next": wanted})
    assert 'name="next" value=""' in page.text
    done = client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "next": wanted, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    assert done.headers["location"] == "/"
    again = client.get("/login", params={"next": wanted})  # signed in: straight on
    assert again.headers["location"] == "/"


POSTS = [r for r in ROUTES if r.method == "POST"]


@pytest.mark.parametrize("case", POSTS, ids=lambda c: c.id)
def test_state_changes_need_this_sessions_token_and_our_origin(site: Site, case) -> None:
    clear_failures(site)
    client, other = site.client(), site.client()
    token = sign_in(client, "admin")
    other_token = sign_in(other, "admin")
    url = case.concrete(site.edition_ids["press-review/draft"])
    before = site.snapshot()
    refused = [
        client.post(url, data=case.data),
        client.post(url, data={**case.data, "csrf_token": ""}),
        client.post(url, data={**case.data, "csrf_token": other_token}),
        client.post(url, data=case.data, headers={"X-CSRF-Token": other_token}),
    ] if case.csrf else []  # a csrf=False view is authenticated by the token in its address
    refused += [
        client.post(url, data={**case.data, "csrf_token": token},
                    headers={"Origin": "https://evil.example"}),
        client.post(url, data={**case.data, "csrf_token": token}, headers={"Origin": "null"}),
        client.post(url, data={**case.data, "csrf_token": token},
                    headers={"Referer": "https://evil.example/page"}),
        client.post(url, data={**case.data, "csrf_token": token},
                    headers={"Origin": "http://testserver.evil.example"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert site.snapshot() == before, "a refused request changed the database"
    # The right token, in the form or in htmx's header, from our own origin, gets through.
    accepted = client.post(url, data=case.data, headers={"X-CSRF-Token": token,
                                                         "Origin": "http://testserver"})
    assert accepted.status_code not in (401, 403)


def test_sign_in_form_needs_its_cookie_token(site: Site) -> None:
    client = site.client()
    client.get("/login")
    assert client.post("/login", data={"name": "editor", "password": PASSWORD}
                       ).status_code == 403
    stranger = site.client()
    stranger_token = csrf_of(stranger.get("/login").text)
    assert client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "csrf_token": stranger_token}).status_code == 403


def test_an_idle_session_is_over(site: Site) -> None:
    from starlette.testclient import TestClient

    idle = create_app(site.app, policy=SessionPolicy(idle=timedelta(0)))
    client = TestClient(idle, base_url="http://testserver", follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    done = client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "csrf_token": token})
    assert done.status_code == 303
    back = client.get("/")
    assert back.status_code == 303 and back.headers["location"].startswith("/login")
    assert 'pipeline_session=""' in back.headers["set-cookie"]


def test_an_ambassador_lands_on_the_portal_and_reads_no_edition(site: Site) -> None:
    client = site.client()
    page = client.get("/login")
    done = client.post("/login", data={"name": "ambassador", "password": PASSWORD,
                                       "csrf_token": csrf_of(page.text)})
    assert done.headers["location"] == "/portal"
    refused = client.get("/")
    assert refused.status_code == 403
    assert "Your role does not allow this." in refused.text
    assert client.get(f"/editions/{site.edition_ids['newsletter/approved']}").status_code == 403


def test_a_view_holds_an_ambassador_to_their_region(site: Site) -> None:
    """``ctx.require`` with the row's region: the check later rooms (the ambassador portal)
    make on each row, shown here on a probe view."""
    from starlette.responses import PlainTextResponse
    from starlette.testclient import TestClient

    from pipeline.permissions import Action
    from pipeline.web.routing import Ctx, view
    from pipeline.web.views import VIEWS

    @view("/probe/{region}", access=Action.SUBMIT)
    def probe(ctx: Ctx) -> PlainTextResponse:
        ctx.require(Action.SUBMIT, region=ctx.request.path_params["region"])
        return PlainTextResponse("ok")

    asgi = create_app(site.app, views=(*VIEWS, probe))
    expected = {("ambassador", "africa"): 200, ("ambassador", "europe"): 403,
                ("editor", "europe"): 200}
    for (name, region), status in expected.items():
        client = TestClient(asgi, base_url="http://testserver", follow_redirects=False)
        sign_in(client, name)
        assert client.get(f"/probe/{region}").status_code == status, (name, region)
