"""The app's own static files (CSS, JS, the vendored htmx, the icon), read once from the package
with :mod:`importlib.resources` and served from memory.

Nothing is looked up on disk from a request's path: a request names one of the files loaded at
start-up or gets a 404, so ``..``, encoded slashes, NUL bytes and symlinks lead nowhere.
Templates link ``static_url(name)``, which carries a content hash (``?v=``): such a URL is
cached for a year, and a new release changes it.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from starlette.requests import Request
from starlette.responses import Response

MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
SERVED_SUFFIXES = tuple(MEDIA_TYPES)


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    version: str
    """The first 16 hex digits of the content's SHA-256."""


def _walk(folder: Traversable, prefix: str = "") -> dict[str, StaticFile]:
    found: dict[str, StaticFile] = {}
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_walk(entry, f"{name}/"))
        elif name.endswith(SERVED_SUFFIXES):
            body = entry.read_bytes()
            suffix = name[name.rfind("."):]
            media_type = MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or ""
            found[name] = StaticFile(body, media_type, hashlib.sha256(body).hexdigest()[:16])
    return found


class StaticFiles:
    """``GET /static/{path}`` for the files of ``pipeline/web/static``."""

    def __init__(self, package: str = "pipeline.web", folder: str = "static") -> None:
        self.files = _walk(files(package).joinpath(folder))

    def url(self, name: str) -> str:
        """The address of a static file, with its content version (KeyError when unknown:
        a template naming a missing file fails its tests, not a visitor's page)."""
        return f"/static/{name}?v={self.files[name].version}"

    def respond(self, request: Request) -> Response:
        found = self.files.get(request.path_params.get("path", ""))
        if found is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        etag = f'"{found.version}"'
        if request.query_params.get("v") == found.version:
            cache = "public, max-age=31536000, immutable"
        else:
            cache = "no-cache"
        headers = {"ETag": etag, "Cache-Control": cache}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.media_type, headers=headers)
