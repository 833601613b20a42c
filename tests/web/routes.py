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
    unhealthy: bool = False
    """A health check: it answers 503 while something is wrong (the test site runs no
    scheduler), which is not a failure of the route."""
    csrf: bool = True
    """False for a view declared ``csrf=False`` (authenticated by a token in its address: the
    one-click unsubscribe); only the Origin check applies to it."""

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
    RouteCase("GET", "/healthz", Action.OPERATE, unhealthy=True),
    RouteCase("GET", "/metrics", Action.OPERATE),
    RouteCase("GET", "/ops", Action.OPERATE),
    # The inbox and the edition editor. Item ids are those of tests/web/newsroom.py; the
    # Newsletter (edition 2 of the site, its blocks 1–6) takes the blocks' forms.
    RouteCase("GET", "/inbox", Action.READ),
    RouteCase("GET", "/inbox/items/{item_id:int}", Action.READ, url="/inbox/items/101"),
    RouteCase("POST", "/inbox/items/{item_id:int}/accept", Action.EDIT,
              url="/inbox/items/130/accept", data={"publication": "press-review"}),
    RouteCase("POST", "/inbox/items/{item_id:int}/reject", Action.EDIT,
              url="/inbox/items/141/reject"),
    RouteCase("POST", "/inbox/bulk", Action.EDIT, data={"action": "reject", "item": "140"}),
    RouteCase("POST", "/inbox/items/{item_id:int}/labels", Action.EDIT,
              url="/inbox/items/122/labels",
              data={"relevant": "yes", "primary": "soil-carbon", "region": "africa"}),
    RouteCase("GET", "/editions/{edition_id:int}/editor", Action.READ,
              url="/editions/{edition}/editor"),
    RouteCase("POST", "/editions/{edition_id:int}/entries/{item_id:int}/move", Action.EDIT,
              url="/editions/{edition}/entries/101/move", data={"step": "down"}),
    RouteCase("POST", "/editions/{edition_id:int}/entries/{item_id:int}/remove", Action.EDIT,
              url="/editions/{edition}/entries/110/remove"),
    RouteCase("POST", "/editions/{edition_id:int}/entries", Action.EDIT,
              url="/editions/2/entries", data={"section": "success-stories", "text_lang": "fr",
                                               "title": "Des sols vivants"}),
    RouteCase("POST", "/editions/draft", Action.EDIT, data={"publication": "press-review"}),
    RouteCase("POST", "/editions/{edition_id:int}/blocks", Action.EDIT, url="/editions/2/blocks",
              data={"kind": "key-figure", "value": "4", "title": "per 1000", "lang": "en"}),
    RouteCase("POST", "/editions/{edition_id:int}/blocks/{block_id:int}", Action.EDIT,
              url="/editions/2/blocks/2", data={"kind": "key-figure", "value": "18",
                                                "title": "%", "lang": "fr"}),
    RouteCase("POST", "/editions/{edition_id:int}/editorial", Action.EDIT,
              url="/editions/2/editorial", data={"title": "Édito", "summary": "Texte",
                                                 "lang": "fr", "block_id": "1"}),
    RouteCase("POST", "/editions/{edition_id:int}/blocks/{block_id:int}/remove", Action.EDIT,
              url="/editions/2/blocks/4/remove"),
    RouteCase("POST", "/editions/{edition_id:int}/blocks/{block_id:int}/move", Action.EDIT,
              url="/editions/2/blocks/3/move", data={"step": "up"}),
    RouteCase("GET", "/editions/{edition_id:int}/agenda/{lang}.ics", Action.READ,
              url="/editions/2/agenda/fr.ics"),
    RouteCase("GET", "/items/{item_id:int}/texts/{lang}", Action.EDIT, url="/items/101/texts/es"),
    RouteCase("POST", "/items/{item_id:int}/texts/{lang}", Action.EDIT, url="/items/101/texts/es",
              data={"title": "La Gran Muralla Verde", "summary": "Un resumen."}),
    RouteCase("POST", "/items/{item_id:int}/comments", Action.EDIT, url="/items/101/comments",
              data={"body": "Check the figures with the authors."}),
    RouteCase("GET", "/editions/{edition_id:int}/send", Action.SEND,
              url="/editions/{edition}/send"),
    RouteCase("GET", "/editions/{edition_id:int}/send/progress", Action.SEND,
              url="/editions/{edition}/send/progress"),
    RouteCase("POST", "/editions/{edition_id:int}/send", Action.SEND,
              url="/editions/{edition}/send", data={"confirm": "yes", "recipients": "0"}),
    RouteCase("POST", "/editions/{edition_id:int}/send/pause", Action.SEND,
              url="/editions/{edition}/send/pause"),
    RouteCase("POST", "/editions/{edition_id:int}/send/resume", Action.SEND,
              url="/editions/{edition}/send/resume"),
    RouteCase("GET", "/subscribe", Gate.PUBLIC),
    RouteCase("POST", "/subscribe", Gate.PUBLIC, data={"email": "not an address",
                                                       "language": "fr",
                                                       "publications": "newsletter"}),
    RouteCase("GET", "/subscribe/confirm/{token}", Gate.PUBLIC,
              url="/subscribe/confirm/not-a-token"),
    RouteCase("POST", "/subscribe/confirm/{token}", Gate.PUBLIC,
              url="/subscribe/confirm/not-a-token"),
    RouteCase("GET", "/preferences/{token}", Gate.PUBLIC, url="/preferences/not-a-token"),
    RouteCase("POST", "/preferences/{token}", Gate.PUBLIC, url="/preferences/not-a-token",
              data={"language": "es", "publications": "newsletter"}),
    RouteCase("POST", "/preferences/{token}/unsubscribe", Gate.PUBLIC,
              url="/preferences/not-a-token/unsubscribe"),
    RouteCase("POST", "/preferences/{token}/export", Gate.PUBLIC,
              url="/preferences/not-a-token/export"),
    RouteCase("POST", "/preferences/{token}/erase", Gate.PUBLIC,
              url="/preferences/not-a-token/erase", data={"confirm": "yes"}),
    RouteCase("GET", "/unsubscribe/{token}", Gate.PUBLIC, url="/unsubscribe/not-a-token"),
    RouteCase("POST", "/unsubscribe/{token}", Gate.PUBLIC, url="/unsubscribe/not-a-token",
              data={"List-Unsubscribe": "One-Click"}, csrf=False),
)
