"""A local preview of rendered editions (the demo serves its output folder with it).

Only .html, .txt, .ics and .atom files under the folder are served (http.server resolves paths
inside ``directory``), on 127.0.0.1 by default; an index page links every rendered language and
its web page (``archive/…``, where the "view in browser" links of the demo editions point).

The server is bound before the work that fills the folder (:func:`bind_preview`), so that a
port already taken is said at once, then :func:`serve_preview` serves until interrupted.
"""

from __future__ import annotations

import errno
import functools
import html
from contextlib import suppress
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

LANG_NAMES = {"fr": "Français", "en": "English", "es": "Español"}


def write_index(folder: Path) -> Path:
    rows = []
    for kind in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        links = " · ".join(
            f'<a href="{html.escape(kind)}/{lang}.html">{name}</a> '
            f'(<a href="{html.escape(kind)}/{lang}.txt">text</a>'
            + (f', <a href="archive/{html.escape(kind)}/{lang}/index.html">web</a>'
               if (folder / "archive" / kind / lang / "index.html").exists() else "") + ")"
            for lang, name in LANG_NAMES.items() if (folder / kind / f"{lang}.html").exists())
        if links:
            rows.append(f"<li><strong>{html.escape(kind)}</strong>: {links}</li>")
    page = ("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
            "<title>Editions preview</title><body style=\"font-family:sans-serif;"
            "max-width:40em;margin:2em auto\"><h1>Editions preview</h1><ul>"
            + "".join(rows) + "</ul></body></html>")
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


SERVED_EXTENSIONS = (".html", ".txt", ".ics", ".atom")


class _PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the index and rendered editions only (not the demo database beside them)."""

    def send_head(self) -> Any:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path != "/" and not path.endswith(SERVED_EXTENSIONS):
            self.send_error(404)
            return None
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:
        return


def bind_preview(folder: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Take the port for a preview of ``folder`` (which may not be filled yet)."""
    handler = functools.partial(_PreviewHandler, directory=str(folder.resolve()))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
    raise PipelineError(f"port {port} on {host} is already in use: choose another with "
                        "--port, or skip the preview with --no-serve")


def serve_preview(server: ThreadingHTTPServer, folder: Path) -> None:
    """Write the index of ``folder`` and serve it on ``server`` until interrupted."""
    write_index(folder)
    with server, suppress(KeyboardInterrupt):
        server.serve_forever()


def serve_folder(folder: Path, port: int, host: str = "127.0.0.1") -> None:
    """Serve ``folder`` until interrupted."""
    serve_preview(bind_preview(folder, port, host), folder)
