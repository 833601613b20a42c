"""Every role (and an anonymous visitor) against every route: permitted cells get through,
the others are refused (403, or the sign-in form for an anonymous visitor) and change nothing.
Expectations come from the permission table itself (pipeline.permissions.PERMISSIONS)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pipeline.permissions import PERMISSIONS, Action
from pipeline.states import Role
from pipeline.web.routing import Gate
from pipeline.web.views import VIEWS
from tests.web.conftest import ACCOUNTS, Site, sign_in
from tests.web.routes import ROUTES, RouteCase

VISITORS = ("anonymous", *ACCOUNTS)


def test_every_route_is_in_the_table() -> None:
    declared = {(method, v.path): v.access for v in VIEWS for method in v.methods}
    tabled = {(r.method, r.path): r.access for r in ROUTES}
    assert declared == tabled


def permitted(visitor: str, case: RouteCase) -> bool:
    if case.access is Gate.PUBLIC:
        return True
    if visitor == "anonymous":
        return False
    if case.access is Gate.SIGNED_IN:
        return True
    assert isinstance(case.access, Action)
    return case.access in PERMISSIONS[Role(visitor)]


@pytest.fixture(scope="module")
def clients(site: Site) -> dict[str, tuple[TestClient, str]]:
    """Signed-in clients by visitor, reused across cells (signing in costs an argon2 check)."""
    return {}


def client_for(site: Site, clients: dict[str, tuple[TestClient, str]], visitor: str
               ) -> tuple[TestClient, str]:
    if visitor not in clients:
        client = site.client()
        if visitor == "anonymous":
            client.get("/login")
            token = client.cookies.get("pipeline_csrf") or ""
        else:
            token = sign_in(client, visitor)
        clients[visitor] = (client, token)
    return clients[visitor]


@pytest.mark.parametrize("case", ROUTES, ids=lambda c: c.id)
@pytest.mark.parametrize("visitor", VISITORS)
def test_role_against_route(site: Site, clients: dict[str, tuple[TestClient, str]],
                            visitor: str, case: RouteCase) -> None:
    client, token = client_for(site, clients, visitor)
    url = case.concrete(site.edition_ids["press-review/draft"])
    before = site.snapshot()
    try:
        if case.method == "GET":
            answer = client.get(url)
        else:
            answer = client.post(url, data={**case.data, "csrf_token": token})
    finally:
        if case.ends_session:
            clients.pop(visitor).__getitem__(0).close()
    if permitted(visitor, case):
        assert answer.status_code not in (401, 403), answer.text
        assert answer.status_code < 500 or (case.unhealthy and answer.status_code == 503)
        return
    if visitor == "anonymous":
        if case.method == "GET":
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")
        else:
            assert answer.status_code == 401
    else:
        assert answer.status_code == 403
    assert site.snapshot() == before, "a refused request changed the database"
