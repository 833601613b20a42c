"""Subscribers: CSV import with validation (one clear message per bad row, nothing half-done)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import ConfigError
from pipeline.records import LANGUAGES
from pipeline.states import SubscriberStatus
from pipeline.store.models import Subscriber

PUBLICATIONS = ("press-review", "newsletter")
_REQUIRED = ("email", "language", "publications")


@dataclass(slots=True)
class ImportStats:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def normalise_email(raw: str) -> str | None:
    """A lower-cased address with one @, no spaces or control characters; None when invalid."""
    text = raw.strip()
    if any(ord(c) < 33 or c in ",;<>\"()[]\\" for c in text) or len(text) > 320:
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or domain.startswith(".") or ".." in domain:
        return None
    return f"{local}@{domain.lower()}".lower()


def parse_subscriber_csv(text: str) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ConfigError(f"missing column(s) {', '.join(missing)}; expected "
                          f"{','.join(_REQUIRED)}", path="header")
    reader.fieldnames = header
    rows: list[tuple[str, str, list[str]]] = []
    errors: list[str] = []
    for line, record in enumerate(reader, start=2):
        email = normalise_email(record.get("email") or "")
        language = (record.get("language") or "").strip().lower()
        pubs = [p.strip() for p in (record.get("publications") or "").split(";") if p.strip()]
        if email is None:
            errors.append(f"line {line}: email: not a valid address {record.get('email')!r}")
        elif language not in LANGUAGES:
            errors.append(f"line {line}: language: expected one of {', '.join(LANGUAGES)}, "
                          f"got {language!r}")
        elif not pubs or any(p not in PUBLICATIONS for p in pubs):
            errors.append(f"line {line}: publications: expected {' or '.join(PUBLICATIONS)} "
                          f"separated by ';', got {record.get('publications')!r}")
        else:
            rows.append((email, language, sorted(set(pubs))))
    return rows, errors


def import_subscribers(session: Session, text: str, *, source: str) -> ImportStats:
    """Add or update subscribers; imported addresses count as confirmed. Rows with errors are
    reported and skipped; an unsubscribed address is never re-subscribed by an import."""
    rows, errors = parse_subscriber_csv(text)
    stats = ImportStats(errors=errors)
    now_at = datetime.now(UTC)
    emails = [r[0] for r in rows]
    existing = {s.email: s for start in range(0, len(emails), 1000)
                for s in session.scalars(select(Subscriber).where(
                    Subscriber.email.in_(emails[start:start + 1000])))}
    for email, language, pubs in rows:
        row = existing.get(email)
        if row is None:
            row = Subscriber(email=email, language=language, publications=pubs,
                             status=SubscriberStatus.CONFIRMED, consent_at=now_at,
                             consent_source=source,
                             created_at=now_at, updated_at=now_at)
            session.add(row)
            existing[email] = row
            stats.added += 1
        elif row.language == language and row.publications == pubs:
            stats.unchanged += 1
        else:
            row.language, row.publications, row.updated_at = language, pubs, now_at
            stats.updated += 1
    return stats
