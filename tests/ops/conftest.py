"""Shared helpers of the operations tests: settings with every schedule off unless given,
relevant processed items seeded straight into the store (drafting reads them)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.settings import Settings
from pipeline.states import ItemStatus, TextState
from pipeline.store.models import Classification, Item, ItemText, Source

SCHEDULES = ("collect_schedule", "process_schedule", "press_review_schedule",
             "newsletter_schedule", "send_schedule", "bounces_schedule", "purge_schedule",
             "backup_schedule", "notify_schedule", "submissions_schedule", "digest_schedule")


def ops_settings(folder: Path, **values: Any) -> Settings:
    """Settings over ``folder`` with every schedule off except those given."""
    (folder / "sources.toml").touch()
    base = Settings(var_dir=folder, sources_path=folder / "sources.toml",
                    **{name: "off" for name in SCHEDULES})
    return replace(base, **values)


def seed_relevant_item(session: Any, number: int, published_at: datetime) -> Item:
    """A processed, relevant item with its texts in the three languages."""
    if session.get(Source, "seed") is None:
        session.add(Source(id="seed", name="Seed outlet", url="https://example.org/feed",
                           kind="feed", lang="en", enabled=True, error_count=0, paused=False,
                           item_count=0, warnings=[]))
        session.flush()
    url = f"https://example.org/news/{number}"
    item = Item(source_id="seed", url=url, canonical_url=url, guid=url,
                content_hash="sha256:" + hashlib.sha256(url.encode()).hexdigest(),
                title=f"Soil carbon news {number}", summary="Farmers store carbon in soils.",
                body="Farmers store carbon in their soils with cover crops.",
                original_lang="en", published_at=published_at, fetched_at=published_at,
                status=ItemStatus.PROCESSED, warnings=[])
    session.add(item)
    session.flush()
    session.add(Classification(item_id=item.id, lang="en", relevant=True, relevance_score=0.9,
                               themes=["soil-carbon"], regions=["europe"], evidence={},
                               classified_at=published_at))
    for lang, state in (("en", TextState.ORIGINAL), ("fr", TextState.MACHINE),
                        ("es", TextState.MACHINE)):
        session.add(ItemText(item_id=item.id, lang=lang, title=f"[{lang}] news {number}",
                             summary="Farmers store carbon in soils.", body="", state=state,
                             flags=[]))
    return item


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self) -> list[Any]:
        from email import message_from_bytes, policy

        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and its ``PIPELINE_SMTP_URL``."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()
