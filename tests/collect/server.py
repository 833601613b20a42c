"""A real HTTP server on 127.0.0.1 for the collection tests, with a table of routes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[["RequestHandler"], None]


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    started_at: float
    ended_at: float = 0.0


@dataclass
class LocalServer:
    httpd: ThreadingHTTPServer
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", *, status: int = 200,
            headers: dict[str, str] | None = None) -> None:
        def send(handler: RequestHandler) -> None:
            handler.send_response(status)
            sent = {k.lower() for k in (headers or {})}
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            if "content-length" not in sent:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = send

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.requests]


class RequestHandler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        local: LocalServer = self.server.local  # type: ignore[attr-defined]
        seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()},
                           time.monotonic())
        with local.lock:
            local.requests.append(seen)
        route = local.routes.get(self.path.split("?", 1)[0])
        try:
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            seen.ended_at = time.monotonic()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return None  # clients hanging up early are part of the tests


def start_server() -> LocalServer:
    httpd = QuietServer(("127.0.0.1", 0), RequestHandler)
    httpd.daemon_threads = True
    local = LocalServer(httpd)
    httpd.local = local  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return local


def start_tls_server(cert_file: str, key_file: str) -> LocalServer:
    """The same server behind TLS, with a certificate for 127.0.0.1."""
    import ssl

    httpd = QuietServer(("127.0.0.1", 0), RequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    local = LocalServer(httpd)
    httpd.local = local  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return local


def stop_server(local: LocalServer) -> None:
    local.httpd.shutdown()
    local.httpd.server_close()
