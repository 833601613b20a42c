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
    # translation review, preview, approval, audit log (tests/web/test_review.py and others)
    RouteCase("GET", "/editions/{edition_id:int}/translations", Action.READ,
              url="/editions/{edition}/translations"),
    RouteCase("GET", "/editions/{edition_id:int}/translations/{item_id:int}", Action.READ,
              url="/editions/{edition}/translations/101"),
    RouteCase("POST", "/editions/{edition_id:int}/translations/{item_id:int}/{lang}",
              Action.EDIT, url="/editions/{edition}/translations/101/es",
              data={"title": "Un título revisado", "summary": "Un resumen revisado."}),
    RouteCase("POST", "/editions/{edition_id:int}/translations/{item_id:int}/{lang}/state",
              Action.EDIT, url="/editions/{edition}/translations/104/fr/state",
              data={"to": "reviewed"}),
    RouteCase("GET", "/editions/{edition_id:int}/preview", Action.READ,
              url="/editions/{edition}/preview?lang=es&view=phone"),
    RouteCase("GET", "/editions/{edition_id:int}/preview/{lang}/email", Action.READ,
              url="/editions/{edition}/preview/fr/email"),
    # (a real test message goes to a local SMTP server in test_preview.py; here the address is
    # refused before any connection, which keeps the matrix off the network)
    RouteCase("POST", "/editions/{edition_id:int}/preview/test", Action.SEND,
              url="/editions/{edition}/preview/test", data={"lang": "fr", "to": "nobody"}),
    RouteCase("GET", "/editions/{edition_id:int}/approval", Action.READ,
              url="/editions/{edition}/approval"),
    RouteCase("POST", "/editions/{edition_id:int}/approval/{lang}", Action.APPROVE,
              url="/editions/{edition}/approval/fr", data={"accept_machine": "yes"}),
    RouteCase("POST", "/editions/{edition_id:int}/approval", Action.APPROVE,
              url="/editions/{edition}/approval"),
    RouteCase("GET", "/audit", Action.READ, url="/audit?action=text.&since=2020-01-01"),
    RouteCase("GET", "/audit.csv", Action.EXPORT, url="/audit.csv?actor=editor"),
)
