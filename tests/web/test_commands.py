"""The web app's commands through the real entry point: ``pipeline serve`` answers on its port,
``pipeline users passwd`` changes a password and signs the account out everywhere."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PIPELINE_BIN, run_pipeline
from tests.web.conftest import PASSWORD

NEW_PASSWORD = "a brand new password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("commands")
    env = {"PIPELINE_DATABASE_URL": f"sqlite:///{folder / 'web.sqlite3'}"}
    added = run_pipeline(["users", "add", "maria", "--role", "editor", "--password-stdin"],
                         cwd=folder, env=env, input_text=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    return folder, env


def test_serve_answers_and_stops(project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    port = free_port()
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    server = subprocess.Popen([str(PIPELINE_BIN), "serve", "--port", str(port)], cwd=folder,
                              env={**full_env, **env}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, server.stderr.read() if server.stderr else ""
        assert answer.status_code == 200
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 303
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err


def test_serve_on_a_taken_port_is_one_line(project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_pipeline(["serve", "--port", str(port)], cwd=folder, env=env, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_users_passwd_changes_the_password_and_ends_sessions(
        project: tuple[Path, dict[str, str]]) -> None:
    folder, env = project
    from pipeline.app import App
    from pipeline.jobs.accounts import Client, current_visitor, sign_in
    from pipeline.settings import Settings
    from pipeline.store.sessions import SessionPolicy

    app = App(Settings(database_url=env["PIPELINE_DATABASE_URL"]))
    policy = SessionPolicy()
    token, _visitor = sign_in(app, "maria", PASSWORD, client=Client(), policy=policy)
    done = run_pipeline(["users", "passwd", "maria", "--password-stdin"], cwd=folder, env=env,
                        input_text=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "password of maria changed; 1 session(s) signed out" in done.stdout
    assert current_visitor(app, token, policy=policy) is None
    sign_in(app, "maria", NEW_PASSWORD, client=Client(), policy=policy)
    app.close()


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "passwd", "nobody", "--password-stdin"], NEW_PASSWORD,
     "error: NAME: no user named 'nobody'"),
    (["users", "passwd", "maria", "--password-stdin"], "short",
     "error: password: a password needs 10 to 1024 characters"),
])
def test_users_passwd_refusals_are_one_line(project: tuple[Path, dict[str, str]],
                                            args: list[str], stdin: str, message: str) -> None:
    folder, env = project
    done = run_pipeline(args, cwd=folder, env=env, input_text=stdin + "\n")
    assert done.returncode == 1
    assert done.stderr.strip() == message
