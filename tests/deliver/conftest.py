"""A real SMTP server (aiosmtpd on 127.0.0.1) that records what it received and can answer
as badly as a real relay; an approved edition over a real database with subscribers in three
languages."""

from __future__ import annotations

import base64
import email
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from pipeline.app import App
from pipeline.draft import draft_press_review, plan_to_json
from pipeline.jobs.editions import approve
from pipeline.jobs.subscribers import import_subscribers
from pipeline.permissions import SYSTEM
from pipeline.records import LANGUAGES
from pipeline.settings import Settings
from pipeline.store.models import Edition, Item
from tests.render.fixtures import load_fixture, make_candidates
from tests.web.items import store_items

SECRET = "a test secret key, long enough"
BASE_URL = "https://news.example.org"
MAIL_FROM = "« 4 per 1000 » <newsletter@news.example.org>"

Rule = Callable[[str, str, int], str | None]
"""(phase "rcpt" or "data", recipient, how many times this recipient was seen in that phase)
→ an SMTP answer to give instead of accepting, "drop" to close the connection, or None."""


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.SMTP)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every accepted message, applies ``rule``."""

    received: list[Received] = field(default_factory=list)
    rule: Rule | None = None
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_accept: Callable[[int], None] | None = None

    def _decide(self, phase: str, address: str) -> str | None:
        with self.lock:
            count = self.seen.get((phase, address), 0) + 1
            self.seen[phase, address] = count
        return self.rule(phase, address, count) if self.rule else None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        answer = self._decide("rcpt", address)
        if answer == "drop":
            server.transport.close()
            return "421 4.4.2 closing"
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = self._decide("data", envelope.rcpt_tos[0])
        if answer == "drop":  # the connection dies before the server's answer to DATA
            server.transport.close()
            return "421 4.4.2 closing"
        if answer:
            return answer
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
            count = len(self.received)
        if self.on_accept is not None:
            self.on_accept(count)
        return "250 2.0.0 OK"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.seen.clear()
        self.rule = None
        self.on_accept = None

    def by_recipient(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for message in list(self.received):
            for rcpt in message.rcpt_tos:
                found.setdefault(rcpt, []).append(message)
        return found


@dataclass
class SmtpServer:
    recorder: Recorder
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port,
                            server_hostname="mx.test")
    controller.start()
    try:
        yield SmtpServer(recorder, port)
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The module's server, emptied for this test."""
    smtp_server.recorder.reset()
    yield smtp_server
    smtp_server.recorder.reset()


def make_settings(folder: Path, smtp_url: str, database_url: str | None = None,
                  **values: Any) -> Settings:
    fields: dict[str, Any] = {
        "var_dir": folder, "smtp_url": smtp_url, "secret_key": SECRET, "base_url": BASE_URL,
        "database_url": database_url or f"sqlite:///{folder / 'send.sqlite3'}",
        "mail_from": MAIL_FROM, "archive_dir": folder / "archive", "send_retry_seconds": 0}
    return Settings(**{**fields, **values})


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for the real command."""
    env = {"PIPELINE_DATABASE_URL": settings.resolved_database_url,
           "PIPELINE_SMTP_URL": settings.smtp_url, "PIPELINE_SECRET_KEY": settings.secret_key,
           "PIPELINE_BASE_URL": settings.base_url, "PIPELINE_MAIL_FROM": settings.mail_from,
           "PIPELINE_ARCHIVE_DIR": str(settings.archive_dir),
           "PIPELINE_VAR_DIR": str(settings.var_dir),
           "PIPELINE_SEND_RETRY_SECONDS": str(settings.send_retry_seconds),
           "PIPELINE_SMTP_CONNECTIONS": str(settings.smtp_connections)}
    if str(settings.dkim_key_path) not in ("", "."):
        env["PIPELINE_DKIM_KEY_PATH"] = str(settings.dkim_key_path)
    return env


def add_edition(app: App, *, title: str | None = None) -> int:
    """An approved Press Review (the render fixture), approved through the real job."""
    data = load_fixture()
    candidates = [replace(c, item_id=str(100 + i), story_id=str(100 + i))
                  for i, c in enumerate(make_candidates(data))]
    if title is not None:
        first = candidates[0]
        candidates[0] = replace(first, texts={lang: replace(text, title=title)
                                              for lang, text in first.texts.items()})
    plan = draft_press_review(candidates,
                              since_at=datetime.fromisoformat(data["period"]["since_at"]),
                              until_at=datetime.fromisoformat(data["period"]["until_at"]))
    with app.session() as db:
        edition = Edition(kind="press-review", period_start_at=plan.period_start_at,
                          period_end_at=plan.period_end_at, status="draft",
                          plan=plan_to_json(plan), language_state={})
        db.add(edition)
        db.flush()
        stored = set(db.scalars(select(Item.id)))  # a second edition reuses the first's items
        store_items(db, [c for c in candidates if int(c.item_id) not in stored], edition)
        edition_id = edition.id
    approve(app, SYSTEM, edition_id, accept_machine=True)
    return edition_id


def subscriber_address(number: int) -> str:
    return f"reader{number:05d}@example.net"


def add_subscribers(app: App, count: int, *, start: int = 0,
                    publications: str = "press-review") -> dict[str, str]:
    """``count`` confirmed subscribers, languages in turn; returns address → language."""
    wanted = {subscriber_address(n): LANGUAGES[n % 3] for n in range(start, start + count)}
    rows = "".join(f"{address},{lang},{publications}\n" for address, lang in wanted.items())
    stats = import_subscribers(app, SYSTEM, "email,language,publications\n" + rows,
                               source="test")
    assert not stats.errors
    return wanted


@dataclass
class DkimKey:
    path: Path
    public_txt: bytes

    def dns(self, name: bytes, timeout: int = 5) -> bytes:
        assert name == b"test._domainkey.news.example.org.", name
        return self.public_txt


@pytest.fixture(scope="session")
def dkim_key(tmp_path_factory: pytest.TempPathFactory) -> DkimKey:
    """A throwaway RSA key (openssl) and its DNS record, served to dkimpy's verifier."""
    folder = tmp_path_factory.mktemp("dkim")
    path = folder / "test.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), "2048"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return DkimKey(path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der))
