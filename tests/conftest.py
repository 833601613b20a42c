"""Shared fixtures: real databases (an SQLite file; PostgreSQL when .ci/run started one) and the
real ``pipeline`` entry point run as a subprocess."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

POSTGRES_ENV = "PIPELINE_TEST_POSTGRES_URL"
"""A superuser URL of a throwaway PostgreSQL server (``.ci/run`` starts one)."""

PIPELINE_BIN = Path(sys.executable).parent / "pipeline"


def _postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url and os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set in CI: .ci/run must start PostgreSQL")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _postgres_admin_url()
    if not admin:
        pytest.skip(f"{POSTGRES_ENV} not set (set by .ci/run)")
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs against both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def run_pipeline(
    args: list[str], *, cwd: Path, env: Mapping[str, str] | None = None,
    input_text: str | None = None, timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``pipeline`` command for real, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    full_env.update(env or {})
    return subprocess.run([str(PIPELINE_BIN), *args], cwd=cwd, env=full_env, input=input_text,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def postgres_url_second(postgres_url: str) -> Iterator[str]:
    """A second empty database on the same server (restore targets)."""
    admin = _postgres_admin_url()
    assert admin
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ServedDemo:
    cwd: Path
    """The folder the user ran ``pipeline demo`` from."""
    out_dir: Path
    port: int
    stdout: str
    """What the demo printed up to its review app's address."""
    account: str = ""
    password: str = ""
    """The demo account it printed, to sign in to the review app."""


@pytest.fixture(scope="session")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    """``pipeline demo --port P`` run once as a user runs it, from a folder of its own, and left
    serving its review app for the session (stopped with Ctrl-C, as a user does)."""
    cwd = tmp_path_factory.mktemp("demo-user")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    with (cwd / "stderr.log").open("w") as stderr:
        process = subprocess.Popen([str(PIPELINE_BIN), "demo", "--port", str(port)], cwd=cwd,
                                   env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert process.stdout is not None
    printed: list[str] = []
    try:
        for line in process.stdout:
            printed.append(line)
            if line.startswith("review app:"):
                break
        else:
            pytest.fail("the demo stopped before serving: "
                        + (cwd / "stderr.log").read_text(encoding="utf-8")[-2000:])
        account = re.search(r"sign in as '([^']+)' with password '([^']+)'", printed[-1])
        assert account, printed[-1]
        yield ServedDemo(cwd, cwd / "var" / "demo", port, "".join(printed), account.group(1),
                         account.group(2))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
