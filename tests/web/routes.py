"""Every route of the web app with the access it declares: the table the role × action matrix
and the CSRF tests run over. A new view adds one row here (``test_every_route_is_in_the_table``
fails until it does).

``url`` is a concrete address for the declared ``path`` (``{edition}`` is replaced by an
edition of the test site); ``data`` is a form a permitted person may send; ``ends_session``
marks a request after which the sender is no longer signed in as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.permissions import Action
from pipeline.web.routing import Access, Gate
from tests.web.conftest import PASSWORD


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    access: Access
    url: str = ""
    data: dict[str, str] = field(default_factory=dict)
    ends_session: bool = False
    """The request ends or replaces the sender's session (the matrix signs in again after)."""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def concrete(self, edition_id: int) -> str:
        return (self.url or self.path).replace("{edition}", str(edition_id))


ROUTES: tuple[RouteCase, ...] = (
    RouteCase("GET", "/login", Gate.PUBLIC),
    RouteCase("POST", "/login", Gate.PUBLIC, data={"name": "editor", "password": PASSWORD},
              ends_session=True),
    RouteCase("POST", "/logout", Gate.SIGNED_IN, ends_session=True),
    RouteCase("GET", "/account", Gate.SIGNED_IN),
    RouteCase("POST", "/account/language", Gate.SIGNED_IN, data={"language": "es"}),
    RouteCase("POST", "/account/password", Gate.SIGNED_IN,
              data={"current": "not the password", "new": "x" * 12, "confirm": "x" * 12}),
    RouteCase("GET", "/", Action.READ),
    RouteCase("GET", "/editions/{edition_id:int}", Action.READ, url="/editions/{edition}"),
    # the ambassador portal and the team's submissions (ids: tests.web.conftest.FIXED_IDS)
    RouteCase("GET", "/portal", Action.SUBMIT),
    RouteCase("POST", "/portal/submissions", Action.SUBMIT,
              data={"kind": "text", "title": "", "summary": "", "lang": "en",
                    "region": "asia"}),
    RouteCase("GET", "/portal/submissions/{submission_id:int}", Action.SUBMIT,
              url="/portal/submissions/1"),
    RouteCase("GET", "/submissions", Action.READ),
    RouteCase("GET", "/submissions/{submission_id:int}", Action.READ, url="/submissions/1"),
    RouteCase("POST", "/submissions/{submission_id:int}/return", Action.EDIT,
              url="/submissions/1/return", data={"comment": "Which village is it?"}),
    # users and invitations
    RouteCase("GET", "/admin/users", Action.MANAGE_USERS),
    RouteCase("POST", "/admin/invitations", Action.MANAGE_USERS,
              data={"name": "someone new", "email": "new@example.org", "role": "editor"}),
    RouteCase("GET", "/admin/users/{user_id:int}", Action.MANAGE_USERS, url="/admin/users/5"),
    RouteCase("POST", "/admin/users/{user_id:int}", Action.MANAGE_USERS, url="/admin/users/5",
              data={"role": "editor", "email": "target@example.org"}),
    RouteCase("POST", "/admin/users/{user_id:int}/deactivate", Action.MANAGE_USERS,
              url="/admin/users/5/deactivate"),
    RouteCase("POST", "/admin/users/{user_id:int}/reactivate", Action.MANAGE_USERS,
              url="/admin/users/5/reactivate"),
    RouteCase("POST", "/admin/users/{user_id:int}/reset-link", Action.MANAGE_USERS,
              url="/admin/users/5/reset-link"),
    RouteCase("POST", "/admin/invitations/{invitation_id:int}/revoke", Action.MANAGE_USERS,
              url="/admin/invitations/1/revoke"),
    RouteCase("GET", "/set-password/{token}", Gate.PUBLIC, url="/set-password/not-a-token"),
    RouteCase("POST", "/set-password/{token}", Gate.PUBLIC, url="/set-password/not-a-token",
              data={"new": "x" * 12, "confirm": "x" * 12}),
    # sources (a form naming another digest than the file's changes nothing: 409)
    RouteCase("GET", "/admin/sources", Action.MANAGE_SOURCES),
    RouteCase("GET", "/admin/new-source", Action.MANAGE_SOURCES),
    RouteCase("POST", "/admin/new-source/test", Action.MANAGE_SOURCES,
              data={"id": "x", "name": "X", "url": "http://127.0.0.1:9/x", "lang": "xx"}),
    RouteCase("POST", "/admin/new-source", Action.MANAGE_SOURCES,
              data={"id": "x", "name": "X", "url": "http://127.0.0.1:9/x", "lang": "en",
                    "digest": "sha256:old"}),
    RouteCase("GET", "/admin/sources/{source_id}", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed"),
    RouteCase("POST", "/admin/sources/{source_id}", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed",
              data={"name": "Local", "url": "http://127.0.0.1:9/feed.xml", "lang": "en",
                    "digest": "sha256:old"}),
    RouteCase("POST", "/admin/sources/{source_id}/enable", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed/enable", data={"digest": "sha256:old"}),
    RouteCase("POST", "/admin/sources/{source_id}/disable", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed/disable", data={"digest": "sha256:old"}),
    RouteCase("POST", "/admin/sources/{source_id}/pause", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed/pause"),
    RouteCase("POST", "/admin/sources/{source_id}/resume", Action.MANAGE_SOURCES,
              url="/admin/sources/local-feed/resume"),
    # taxonomy and glossary
    RouteCase("GET", "/taxonomy", Action.EDIT),
    RouteCase("GET", "/taxonomy/{section}", Action.EDIT, url="/taxonomy/finance"),
    RouteCase("POST", "/taxonomy/{section}/preview", Action.EDIT,
              url="/taxonomy/finance/preview", data={"strong_en": "carbon credits"}),
    RouteCase("POST", "/taxonomy/{section}", Action.EDIT, url="/taxonomy/finance",
              data={"strong_en": "carbon credits", "digest": "sha256:old"}),
    RouteCase("GET", "/glossary", Action.EDIT),
    RouteCase("GET", "/glossary/new", Action.EDIT),
    RouteCase("POST", "/glossary/new", Action.EDIT,
              data={"en": "seed bank", "fr": "banque de semences", "digest": "sha256:old"}),
    RouteCase("GET", "/glossary/{index:int}", Action.EDIT, url="/glossary/0"),
    RouteCase("POST", "/glossary/{index:int}", Action.EDIT, url="/glossary/0",
              data={"en": "4 per 1000", "fr": "4 pour 1000", "digest": "sha256:old"}),
    RouteCase("POST", "/glossary/{index:int}/delete", Action.EDIT, url="/glossary/0/delete",
              data={"digest": "sha256:old"}),
    RouteCase("POST", "/glossary/keep", Action.EDIT, data={"keep": "FAO",
                                                           "digest": "sha256:old"}),
)
