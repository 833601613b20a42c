"""Serving the web app with uvicorn: in the foreground (``pipeline serve``) or in a thread
(tests, screenshots, the demo). The listening socket is opened first, so a port already taken
is one clear error before anything starts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import uvicorn
from starlette.types import ASGIApp

from pipeline.errors import PipelineError


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: a free one), or a one-line error; the
    address can be printed at once: what connects before the server runs waits for it."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise PipelineError(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the backlog until the server accepts them
    except OSError as exc:
        sock.close()
        raise PipelineError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def _server(asgi: ASGIApp, sock: socket.socket) -> uvicorn.Server:
    # Proxy headers (X-Forwarded-For/-Proto) are believed from 127.0.0.1 only (uvicorn's
    # default): a reverse proxy on the same host hands the client's address to the rate limit.
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(asgi, host=host, port=port, access_log=False, log_level="warning",
                            lifespan="off", server_header=False, proxy_headers=True)
    return uvicorn.Server(config)


def serve(asgi: ASGIApp, sock: socket.socket) -> None:
    """Serve on ``sock`` until interrupted."""
    with closing(sock):
        _server(asgi, sock).run(sockets=[sock])


@contextmanager
def serve_in_thread(asgi: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve on a free port of ``host`` from a thread; yields the base URL."""
    sock = listen(host, 0)
    with closing(sock):
        server = _server(asgi, sock)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name="web-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise PipelineError(f"the web server did not start on {host}")
            time.sleep(0.02)
        try:
            yield f"http://{host}:{bound_port(sock)}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
