"""Serving the web app with uvicorn: in the foreground (``pipeline serve``) or in a thread
(tests, screenshots, the demo)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import uvicorn
from starlette.types import ASGIApp

from pipeline.errors import PipelineError


def _config(asgi: ASGIApp, host: str, port: int) -> uvicorn.Config:
    # Proxy headers (X-Forwarded-For/-Proto) are believed from 127.0.0.1 only, uvicorn's
    # default: a reverse proxy on the same host gives the client's address to the rate limit.
    return uvicorn.Config(asgi, host=host, port=port, access_log=False, log_level="warning",
                          lifespan="off", server_header=False, proxy_headers=True)


def serve(asgi: ASGIApp, host: str, port: int) -> None:
    """Serve until interrupted."""
    uvicorn.Server(_config(asgi, host, port)).run()


@contextmanager
def serve_in_thread(asgi: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve on a free port of ``host`` from a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with closing(sock):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(_config(asgi, host, port))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name="web-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise PipelineError(f"the web server did not start on {host}:{port}")
            time.sleep(0.02)
        try:
            yield f"http://{host}:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
