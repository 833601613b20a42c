"""The demo's preview server: editions yes; the database beside them and paths outside, no."""

from __future__ import annotations

import http.client
import socket
import threading
from pathlib import Path

from pipeline.preview import serve_folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status


def test_preview_serves_editions_only(tmp_path: Path) -> None:
    (tmp_path / "press-review").mkdir()
    (tmp_path / "press-review" / "en.html").write_text("<html lang=en></html>")
    (tmp_path / "demo.sqlite3").write_bytes(b"SQLite format 3\x00")
    (tmp_path.parent / "secret.txt").write_text("outside")
    port = free_port()
    threading.Thread(target=serve_folder, args=(tmp_path, port), daemon=True).start()
    for _ in range(50):
        try:
            get(port, "/")
            break
        except OSError:
            threading.Event().wait(0.1)
    assert get(port, "/") == 200
    assert get(port, "/press-review/en.html") == 200
    assert get(port, "/demo.sqlite3") == 404
    assert get(port, "/demo.sqlite3-wal") == 404
    assert get(port, "/../secret.txt") == 404
    assert get(port, "/%2e%2e/secret.txt") == 404
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="press-review/en.html"' in index
