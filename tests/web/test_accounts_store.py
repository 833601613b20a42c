"""The account jobs on both databases: sessions, their expiry, the rate limit's counts and the
end of every session at a password change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from pipeline.app import App
from pipeline.errors import PermissionDenied, SignInRefused, TooManyAttempts
from pipeline.jobs.accounts import (
    Client,
    change_password,
    current_visitor,
    set_language,
    sign_in,
    sign_out,
)
from pipeline.permissions import SYSTEM
from pipeline.settings import Settings
from pipeline.store.sessions import SessionPolicy
from pipeline.store.users import add_user

PASSWORD = "a long enough password"


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    made = App(Settings(database_url=database_url))
    with made.session() as db:
        add_user(db, "rosa", "approver", PASSWORD)
        add_user(db, "kofi", "ambassador", PASSWORD, "africa")
    yield made
    made.close()


def test_sessions_rate_limit_and_password_change(app: App) -> None:
    policy = SessionPolicy()
    client = Client(ip="203.0.113.7", user_agent="test")
    first, visitor = sign_in(app, "rosa", PASSWORD, client=client, policy=policy)
    second, _ = sign_in(app, "rosa", PASSWORD, client=client, policy=policy)
    assert visitor.actor.name == "rosa" and visitor.actor.role == "approver"
    seen = current_visitor(app, first, policy=policy)
    assert seen is not None and seen.csrf_token == visitor.csrf_token
    assert current_visitor(app, "not-a-token", policy=policy) is None
    set_language(app, visitor.actor, "es")
    seen = current_visitor(app, second, policy=policy)
    assert seen is not None and seen.language == "es"
    with pytest.raises(SignInRefused):
        change_password(app, visitor.actor, "rosa", "another long password",
                        current_password="wrong password")
    assert change_password(app, visitor.actor, "rosa", "another long password",
                           current_password=PASSWORD) == 2
    assert current_visitor(app, first, policy=policy) is None
    assert current_visitor(app, second, policy=policy) is None
    third, _ = sign_in(app, "rosa", "another long password", client=client, policy=policy)
    sign_out(app, third)
    assert current_visitor(app, third, policy=policy) is None

    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(app, "kofi", "wrong password", client=client, policy=policy)
    with pytest.raises(TooManyAttempts):
        sign_in(app, "KOFI ", PASSWORD, client=client, policy=policy)  # same account


def test_expired_sessions_are_gone(app: App) -> None:
    short = SessionPolicy(lifetime=timedelta(0))
    token, _ = sign_in(app, "rosa", PASSWORD, client=Client(), policy=short)
    assert current_visitor(app, token, policy=short) is None


def test_only_an_admin_sets_another_persons_password(app: App) -> None:
    _, kofi = sign_in(app, "kofi", PASSWORD, client=Client(), policy=SessionPolicy())
    with pytest.raises(PermissionDenied):
        change_password(app, kofi.actor, "rosa", "a password of kofi's")
    assert change_password(app, SYSTEM, "rosa", "set by the admin") == 0
