"""The web pages of an archive folder served by the web app (``pipeline demo`` serves the
pages its editions' "view in browser" links point to this way).

Only files under the folder are served, and only web pages, feeds and calendars (``.html``,
``.atom``, ``.ics``); a path with ``..``, a backslash, a NUL or any control character, or one
that leads outside the folder through a link, finds nothing (404). Pages carry the archive's
own policy (:data:`pipeline.render.archive.CSP`: their inline styles, no script).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from pipeline.render.archive import CSP

MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".atom": "application/atom+xml",
               ".ics": "text/calendar; charset=utf-8"}


def find_file(root: Path, path: str) -> Path | None:
    """The file ``path`` names under ``root``, or None."""
    if not path or any(ord(c) < 0x20 or c == "\\" for c in path):
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    base = root.resolve()
    target = base.joinpath(*parts)
    if target.suffix not in MEDIA_TYPES:
        return None
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(base) or not resolved.is_file():
        return None
    return resolved


def archive_route(root: Path, prefix: str = "/archive") -> Route:
    """``GET {prefix}/{path}`` for the pages under ``root``; ``{prefix}/`` lists nothing."""

    def serve(request: Request) -> Response:
        found = find_file(root, str(request.path_params.get("path", "")))
        if found is None:
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(found, media_type=MEDIA_TYPES[found.suffix], headers={
            "content-security-policy": CSP + "; frame-ancestors 'none'",
            "cache-control": "no-cache"})

    return Route(f"{prefix}/{{path:path}}", serve, methods=["GET", "HEAD"], name="archive")


__all__ = ["archive_route", "find_file"]
