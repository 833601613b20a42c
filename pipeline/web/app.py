"""The web app: :func:`create_app` builds the Starlette application over a pipeline
:class:`~pipeline.app.App` (settings and database)."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipeline.app import App
from pipeline.log import get_logger
from pipeline.store.sessions import SessionPolicy
from pipeline.web.archive import archive_route
from pipeline.web.i18n import N_
from pipeline.web.routing import BROKEN, NOT_FOUND, View, WebConfig, error_page
from pipeline.web.security import CookiePolicy, SecurityHeadersMiddleware, origin_of
from pipeline.web.static import StaticFiles
from pipeline.web.templating import Templates
from pipeline.web.views import VIEWS

MAX_BODY_BYTES = 2 * 1024 * 1024
NOT_ALLOWED = N_("This address does not accept that request.")
TOO_LARGE = N_("What was sent is too large.")


def check_views(views: tuple[View, ...]) -> None:
    """Refuse to start with two views on one path and method."""
    seen: set[tuple[str, str]] = set()
    for declared in views:
        for method in declared.methods:
            key = (declared.path, method)
            if key in seen:
                raise ValueError(f"two views answer {method} {declared.path}")
            seen.add(key)


def create_app(app: App, *, policy: SessionPolicy | None = None,
               views: tuple[View, ...] = VIEWS, archive_dir: Path | None = None) -> Starlette:
    """The ASGI application serving ``views`` (every room by default), and the web pages of
    ``archive_dir`` under ``/archive/`` when given (the demo's). The database is migrated
    here, before the first request."""
    app.engine  # noqa: B018 - migrate now, not from two request threads at once
    https = app.settings.base_url.startswith("https://")
    static = StaticFiles()
    config = WebConfig(app=app, templates=Templates(static), static=static,
                       cookies=CookiePolicy(secure=https), policy=policy or SessionPolicy(),
                       origins=frozenset({origin_of(app.settings.base_url)} - {""}))
    check_views(views)

    def static_file(request: Request) -> Response:
        return static.respond(request)

    routes: list[BaseRoute] = [declared.route() for declared in views]
    routes.append(Route("/static/{path:path}", static_file, name="static"))
    if archive_dir is not None:
        routes.append(archive_route(archive_dir))

    def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: NOT_FOUND, 405: NOT_ALLOWED, 413: TOO_LARGE}.get(exc.status_code,
                                                                           NOT_ALLOWED)
        return error_page(config, request, None, exc.status_code, message)

    def on_crash(request: Request, exc: Exception) -> Response:
        get_logger().error("web.error", path=request.url.path, error=repr(exc))
        return error_page(config, request, None, 500, BROKEN)

    web = Starlette(routes=routes, max_body_size=MAX_BODY_BYTES,
                    middleware=[Middleware(SecurityHeadersMiddleware, https=https)],
                    exception_handlers={HTTPException: on_http_error, 500: on_crash})
    web.state.web = config
    return web
