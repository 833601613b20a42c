from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.collect.fetch import FetchSettings
from tests.collect.server import LocalServer, start_server, start_tls_server, stop_server


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = start_server()
    try:
        yield local
    finally:
        stop_server(local)


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    local = start_server()
    try:
        yield local
    finally:
        stop_server(local)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def tls_server(certificate: tuple[str, str]) -> Iterator[LocalServer]:
    local = start_tls_server(*certificate)
    try:
        yield local
    finally:
        stop_server(local)


@pytest.fixture
def local_settings() -> FetchSettings:
    """Loopback only (the test servers; nothing else is ever attempted), no politeness delay,
    short deadlines."""
    return FetchSettings(allow_private_addresses=True, loopback_only=True, per_host_delay_s=0.0,
                         max_in_flight=8,
                         total_deadline_s=10.0, connect_timeout=5.0, read_timeout=5.0)


def data_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "collect"
