"""How a view is declared and what runs before it.

Every page and form handler is a plain function ``def view(ctx: Ctx) -> Response`` declared
with :func:`view`, which names the one thing that decides who may call it::

    @view("/editions/{edition_id:int}", access=Action.READ)
    def edition_page(ctx: Ctx) -> Response: ...

``access`` is an :class:`~pipeline.permissions.Action` of the permission table, or a
:class:`Gate` for what the table does not cover (the sign-in form is public; one's own account
is open to every signed-in person). A view acting on a row that belongs to a region or a person
calls ``ctx.require(action, region=…, owner_id=…)`` too, which holds an ambassador to their
region and their own rows.

Before the function runs, in this order: a state-changing request from another origin is
refused (403); the session cookie is looked up; a page that needs an account sends an anonymous
visitor to the sign-in form (``next=`` the page) or answers 401; a state-changing request
without the session's CSRF token is refused (403); the role must allow ``access`` (403).
Nothing reaches the view otherwise, so a refused request changes nothing. The view runs in a
worker thread (the store and the jobs are synchronous).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.app import App
from pipeline.errors import PermissionDenied
from pipeline.jobs.accounts import Client, Visitor, current_visitor
from pipeline.log import get_logger
from pipeline.permissions import Action, Actor, require
from pipeline.store.sessions import SessionPolicy
from pipeline.web.i18n import N_, negotiate_language
from pipeline.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    CookiePolicy,
    new_csrf_token,
    origin_of,
    request_origin_allowed,
    tokens_match,
)
from pipeline.web.static import StaticFiles
from pipeline.web.templating import Templates


class Gate(StrEnum):
    """Access rules outside the permission table."""

    PUBLIC = "public"
    """No account needed (the sign-in form)."""
    SIGNED_IN = "signed_in"
    """Any signed-in person, whatever their role (sign out, one's own account)."""


Access = Action | Gate


@dataclass(frozen=True)
class WebConfig:
    """What the views share, made once by :func:`pipeline.web.app.create_app`."""

    app: App
    templates: Templates
    static: StaticFiles
    cookies: CookiePolicy
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    origins: frozenset[str] = frozenset()
    """Origins a state-changing request may come from, besides the request's own host."""


class Ctx:
    """One request as a view sees it."""

    def __init__(self, request: Request, config: WebConfig, visitor: Visitor | None, lang: str,
                 form: FormData | None, csrf_token: str) -> None:
        self.request = request
        self.config = config
        self.visitor = visitor
        self.lang = lang
        self.form = form
        self.csrf_token = csrf_token

    @property
    def app(self) -> App:
        return self.config.app

    @property
    def actor(self) -> Actor:
        if self.visitor is None:
            raise PermissionDenied("not signed in")
        return self.visitor.actor

    @property
    def client(self) -> Client:
        host = self.request.client.host if self.request.client else ""
        return Client(ip=host, user_agent=self.request.headers.get("user-agent", ""))

    @property
    def session_token(self) -> str:
        return self.request.cookies.get(self.config.cookies.session_name, "")

    def field(self, name: str, max_length: int = 10_000) -> str:
        """A form field as text ("" when missing, cut at ``max_length``)."""
        value = self.form.get(name) if self.form is not None else None
        return value[:max_length] if isinstance(value, str) else ""

    def require(self, action: Action, *, region: str | None = None,
                owner_id: int | None = None) -> None:
        """Refuse (403) unless the visitor may do ``action`` on this row."""
        require(self.actor, action, region=region, owner_id=owner_id)

    def can(self, action: Action) -> bool:
        return self.visitor is not None and self.visitor.actor.can(action)

    def gettext(self, message: str, **values: Any) -> str:
        return self.config.templates.gettext(self.lang, message, **values)

    def render(self, template: str, status_code: int = 200,
               headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
        values = {"lang": self.lang, "csrf_token": self.csrf_token, "visitor": self.visitor,
                  "can": self.can, "path": self.request.url.path, **context}
        body = self.config.templates.render(template, self.lang, values)
        return HTMLResponse(body, status_code=status_code, headers=headers)

    def redirect(self, url: str) -> RedirectResponse:
        """See other (303): the answer to a form post."""
        return RedirectResponse(url, status_code=303)

    def set_session_cookie(self, response: Response, token: str) -> None:
        lifetime = int(self.config.policy.lifetime.total_seconds())
        response.set_cookie(self.config.cookies.session_name, token, max_age=lifetime,
                            **self.config.cookies.flags())  # type: ignore[arg-type]

    def clear_session_cookie(self, response: Response) -> None:
        response.delete_cookie(self.config.cookies.session_name,
                               **self.config.cookies.flags())  # type: ignore[arg-type]


ViewFunction = Callable[[Ctx], Response]


@dataclass(frozen=True)
class View:
    """A view function with its address, methods and access rule."""

    path: str
    methods: tuple[str, ...]
    access: Access
    name: str
    func: ViewFunction
    csrf: bool = True
    """False only for requests authenticated by a token in their URL (a one-click
    unsubscribe POST from a mail provider); the Origin check still applies."""
    monitoring: bool = False
    """Also open, for GET, to clients of the networks in ``PIPELINE_MONITORING_NETWORKS``
    without an account (``/healthz`` and ``/metrics`` for a monitoring server)."""

    def route(self) -> Route:
        return Route(self.path, self.endpoint, methods=list(self.methods), name=self.name)

    async def endpoint(self, request: Request) -> Response:
        return await handle(request.app.state.web, self, request)


def view(path: str, *, access: Access, methods: tuple[str, ...] = ("GET",),
         name: str | None = None, csrf: bool = True,
         monitoring: bool = False) -> Callable[[ViewFunction], View]:
    """Declare a view: its path, methods and the one access rule that guards it."""
    if not isinstance(access, Action | Gate):
        raise TypeError(f"access must be an Action or a Gate, got {access!r}")

    def declare(func: ViewFunction) -> View:
        return View(path, tuple(methods), access, name or func.__name__, func, csrf,
                    monitoring)

    return declare


# --- what runs before every view ------------------------------------------------------------

FORBIDDEN_ORIGIN = N_("This request came from another site and was refused.")
FORBIDDEN_TOKEN = N_("This form has expired. Go back, reload the page and try again.")
FORBIDDEN_ROLE = N_("Your role does not allow this.")
SIGN_IN_AGAIN = N_("Your session has ended. Please sign in again.")
NOT_FOUND = N_("There is nothing at this address.")
BAD_FORM = N_("This form could not be read.")
BROKEN = N_("Something went wrong on our side. Try again later; if it goes on, tell the "
            "administrator.")


async def handle(config: WebConfig, target: View, request: Request) -> Response:
    unsafe = request.method not in SAFE_METHODS
    if unsafe:
        allowed = set(config.origins) | {origin_of(str(request.base_url))}
        if not request_origin_allowed(request.headers.get("origin"),
                                      request.headers.get("referer"), allowed):
            return error_page(config, request, None, 403, FORBIDDEN_ORIGIN)
    form: FormData | None = None
    content_type = request.headers.get("content-type", "")
    if unsafe and content_type.startswith(("application/x-www-form-urlencoded",
                                           "multipart/form-data")):
        try:
            form = await request.form(max_files=10, max_fields=500)
        except (MultiPartException, ClientDisconnect, UnicodeDecodeError):
            return error_page(config, request, None, 400, BAD_FORM)
    try:
        return await run_in_threadpool(_guarded, config, target, request, form)
    finally:
        if form is not None:
            await form.close()


def _guarded(config: WebConfig, target: View, request: Request, form: FormData | None
             ) -> Response:
    session_token = request.cookies.get(config.cookies.session_name, "")
    visitor = current_visitor(config.app, session_token, policy=config.policy)
    lang = (visitor.language if visitor and visitor.language else None) or negotiate_language(
        request.headers.get("accept-language"))
    anon_token = request.cookies.get(config.cookies.csrf_name, "")
    fresh_anon = None
    if visitor is not None:
        csrf_token = visitor.csrf_token
    elif 20 <= len(anon_token) <= 100:
        csrf_token = anon_token
    else:
        csrf_token = fresh_anon = new_csrf_token()
    ctx = Ctx(request, config, visitor, lang, form, csrf_token)
    response = _decide(ctx, target)
    if session_token and visitor is None and "set-cookie" not in response.headers:
        ctx.clear_session_cookie(response)  # an ended session: forget its cookie
    if fresh_anon is not None:
        response.set_cookie(config.cookies.csrf_name, fresh_anon,
                            **config.cookies.flags())  # type: ignore[arg-type]
    return response


def from_monitoring_network(ctx: Ctx) -> bool:
    """Whether the client is in one of ``PIPELINE_MONITORING_NETWORKS``."""
    import ipaddress

    from pipeline.settings import parse_networks

    networks = ctx.app.settings.monitoring_networks
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(ctx.client.ip)
    except ValueError:
        return False
    return any(address in network
               for network in parse_networks(networks, "PIPELINE_MONITORING_NETWORKS"))


def _decide(ctx: Ctx, target: View) -> Response:
    request = ctx.request
    unsafe = request.method not in SAFE_METHODS
    trusted = target.monitoring and not unsafe and from_monitoring_network(ctx)
    if target.access is not Gate.PUBLIC and ctx.visitor is None and not trusted:
        return _sign_in_first(ctx)
    if unsafe and target.csrf:
        given = request.headers.get(CSRF_HEADER) or ctx.field(CSRF_FIELD, 200)
        expected = ctx.visitor.csrf_token if ctx.visitor else request.cookies.get(
            ctx.config.cookies.csrf_name)
        if not tokens_match(expected, given):
            return error_page(ctx.config, request, ctx, 403, FORBIDDEN_TOKEN)
    if isinstance(target.access, Action) and not ctx.can(target.access) and not trusted:
        return error_page(ctx.config, request, ctx, 403, FORBIDDEN_ROLE)
    try:
        return target.func(ctx)
    except PermissionDenied:
        return error_page(ctx.config, request, ctx, 403, FORBIDDEN_ROLE)
    except HTTPException as exc:
        message = NOT_FOUND if exc.status_code == 404 else BAD_FORM
        return error_page(ctx.config, request, ctx, exc.status_code, message)
    except Exception:
        get_logger().exception("web.view_failed", path=request.url.path, view=target.name)
        return error_page(ctx.config, request, ctx, 500, BROKEN)


def _sign_in_first(ctx: Ctx) -> Response:
    request = ctx.request
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?next={quote(wanted, safe='/')}"
    if request.method == "GET" and "hx-request" not in request.headers:
        return RedirectResponse(login, status_code=303)
    response = error_page(ctx.config, request, ctx, 401, SIGN_IN_AGAIN)
    response.headers["HX-Redirect"] = login
    return response


def error_page(config: WebConfig, request: Request, ctx: Ctx | None, status_code: int,
               message: str) -> HTMLResponse:
    """An error in the visitor's language, with a way back."""
    if ctx is None:
        lang = negotiate_language(request.headers.get("accept-language"))
        ctx = Ctx(request, config, None, lang, None, "")
    return ctx.render("error.html", status_code=status_code, status=status_code,
                      message=ctx.gettext(message))
