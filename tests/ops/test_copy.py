"""``pipeline db copy --to postgresql://…``: every table of an SQLite database into an empty
PostgreSQL one, rows and values alike, sequences set so that new rows get new ids; a target
that holds rows, or the database itself, is refused with one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.permissions import SYSTEM
from pipeline.records import LanguageState
from pipeline.settings import Settings
from pipeline.states import (
    BlockKind,
    DeliveryStatus,
    Role,
    RunStatus,
    SubscriberStatus,
    TextState,
    TokenPurpose,
)
from pipeline.store.accounts import find_user
from pipeline.store.audit import record_audit
from pipeline.store.leases import acquire_named_lease
from pipeline.store.models import (
    AmbassadorDigest,
    Base,
    BlockText,
    BounceReport,
    Comment,
    Consent,
    Delivery,
    Edition,
    EditionBlock,
    EditionItem,
    Event,
    Invitation,
    LanguageApproval,
    LoginFailure,
    Notification,
    PublicRequest,
    Run,
    Story,
    Submission,
    Subscriber,
    TranslationMemory,
    WebSession,
)
from pipeline.store.users import add_user
from tests.conftest import run_pipeline
from tests.ops.conftest import seed_relevant_item

pytestmark = pytest.mark.postgres


def fill_every_table(app: App) -> None:
    now_at = datetime.now(UTC)
    with app.session() as session:
        add_user(session, "ana", "admin", "a long enough password", email="ana@example.org")
        session.flush()
        user = find_user(session, "ana")
        assert user is not None
        story = Story()
        session.add(story)
        session.flush()
        items = [seed_relevant_item(session, n, now_at - timedelta(days=n)) for n in range(3)]
        items[0].story_id = story.id
        edition = Edition(kind="press-review", period_start_at=now_at - timedelta(days=7),
                          period_end_at=now_at, status="sent", plan="{}", sent_at=now_at,
                          language_state={"fr": LanguageState(missing=("9",))},
                          schedule_key="press-review@2025-03-24")
        subscriber = Subscriber(email="réader@example.org", language="fr",
                                publications=["press-review"],
                                status=SubscriberStatus.CONFIRMED, consent_at=now_at)
        session.add_all([edition, subscriber])
        session.flush()
        session.add_all([
            EditionItem(edition_id=edition.id, item_id=items[0].id, section="theme-policy",
                        position=0),
            Delivery(edition_id=edition.id, subscriber_id=subscriber.id, language="fr",
                     status=DeliveryStatus.SENT, sent_at=now_at, message_id="<m1@x.org>"),
            Event(titles={"fr": "Journée"}, starts_at=now_at, place="Paris"),
            Submission(user_id=user.id, region="europe", url="https://x.org/a", text="t"),
            TranslationMemory(source_lang="fr", target_lang="en", source_hash="h" * 64,
                              source_text="sol", target_text="soil",
                              origin=TextState.REVIEWED),
            Run(job="collect", status=RunStatus.OK, stats={"new": 3}, finished_at=now_at),
            WebSession(id="s" * 64, user_id=user.id, csrf_token="c" * 43,
                       expires_at=now_at + timedelta(hours=1)),
            LoginFailure(account="ana", ip="203.0.113.9", at=now_at),
            Notification(key="draft-ready:1", kind="draft_ready", details={"edition_id": 1},
                         sent_to=["ana"], sent_at=now_at),
        ])
        block = EditionBlock(edition_id=edition.id, kind=BlockKind.KEY_FIGURE, value=4.0,
                             url="https://4p1000.org")
        session.add(block)
        session.flush()
        session.add_all([
            BlockText(block_id=block.id, lang="fr", title="pour mille", summary="Le sol."),
            Comment(item_id=items[0].id, edition_id=edition.id, author="ana", body="Vérifier"),
            Consent(subscriber_id=subscriber.id, action="subscribe", language="fr",
                    publications=["press-review"], wording="Oui « merci »"),
            BounceReport(digest="d" * 64, kind="dsn", subscriber_id=subscriber.id,
                         raw=b"From: mailer-daemon\r\n\r\n5.1.1"),
            PublicRequest(kind="subscribe", ip="203.0.113.9", at=now_at),
            LanguageApproval(edition_id=edition.id, lang="fr", approved_by="ana",
                             approved_at=now_at, content_hash="sha256:" + "0" * 64),
            Invitation(nonce="n" * 32, purpose=TokenPurpose.INVITE, name="amina",
                       email="amina@example.org", role=Role.AMBASSADOR, region="africa",
                       created_by="ana", expires_at=now_at + timedelta(days=7)),
            AmbassadorDigest(user_id=user.id, week="2026-W48", sent_at=now_at),
        ])
        record_audit(session, SYSTEM.name, "edition.drafted", "edition:1", entries=3)
        acquire_named_lease(session, "scheduler", owner="host:1:aa", lease_seconds=30)


def table_rows(app: App) -> dict[str, list[tuple[Any, ...]]]:
    with app.engine.connect() as connection:
        return {table.name: sorted(tuple(str(v) for v in row)
                                    for row in connection.execute(select(table)))
                for table in Base.metadata.sorted_tables}


def test_sqlite_to_postgresql_in_one_command(tmp_path: Path, postgres_url: str) -> None:
    database = tmp_path / "var" / "pipeline.sqlite3"
    source = App(Settings(database_url=f"sqlite:///{database}"))
    fill_every_table(source)
    before = table_rows(source)
    assert [name for name, rows in before.items() if not rows] == []  # every table has rows

    done = run_pipeline(["db", "copy", "--to", postgres_url], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(
        f"{sum(len(rows) for rows in before.values())} rows copied into postgresql://")
    target = App(Settings(database_url=postgres_url))
    assert table_rows(target) == before  # the same values, to the microsecond and the accent
    with target.session() as session:  # new rows get new ids: the sequences were set
        seeded = seed_relevant_item(session, 99, datetime.now(UTC))
        run = Run(job="purge", status=RunStatus.OK, stats={})
        session.add(run)
        session.flush()
        assert seeded.id == 4 and run.id == 2
    again = run_pipeline(["db", "copy", "--to", postgres_url], cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.startswith("error: postgresql") and "already holds rows" in \
        again.stderr and len(again.stderr.strip().splitlines()) == 1
    itself = run_pipeline(["db", "copy", "--to", f"sqlite:///{database}"], cwd=tmp_path)
    assert itself.returncode == 1 and "the target is the database itself" in itself.stderr
    source.close()
    target.close()
