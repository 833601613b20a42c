"""Subscribers in bulk: CSV import with validation (one clear message per bad row, nothing
half-done) and the streamed export.

Addresses are checked and normalised with email-validator (syntax, IDNA domains turned to
their ASCII form, no deliverability look-up) and kept lower-cased: one person, one row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import ConfigError
from pipeline.records import LANGUAGES
from pipeline.states import SubscriberStatus
from pipeline.store.models import Consent, Subscriber

PUBLICATIONS = ("press-review", "newsletter")
_REQUIRED = ("email", "language", "publications")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheets (CSV injection)."""


@dataclass(slots=True)
class ImportStats:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def normalise_email(raw: str) -> str | None:
    """The address as stored (ASCII, lower-cased), or None when it is not one. A leading
    apostrophe that neutralised a formula on export is dropped again."""
    text = raw.strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    if not text or len(text) > 320:
        return None
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return str(valid.ascii_email or valid.normalized).lower()


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
    """Add or update subscribers; imported addresses count as confirmed (with a consent
    record naming the import). Rows with errors are reported and skipped; an address that
    unsubscribed, bounced or complained keeps that status."""
    rows, errors = parse_subscriber_csv(text)
    stats = ImportStats(errors=errors)
    now_at = datetime.now(UTC)
    emails = [r[0] for r in rows]
    existing = {s.email: s for start in range(0, len(emails), 1000)
                for s in session.scalars(select(Subscriber).where(
                    Subscriber.email.in_(emails[start:start + 1000])))}
    added = []
    for email, language, pubs in rows:
        row = existing.get(email)
        if row is None:
            row = Subscriber(email=email, language=language, publications=pubs,
                             status=SubscriberStatus.CONFIRMED, consent_at=now_at,
                             consent_source=source,
                             created_at=now_at, updated_at=now_at)
            session.add(row)
            existing[email] = row
            added.append(row)
            stats.added += 1
        elif row.language == language and row.publications == pubs:
            stats.unchanged += 1
        else:
            row.language, row.publications, row.updated_at = language, pubs, now_at
            stats.updated += 1
    session.flush()
    session.add_all([Consent(subscriber_id=row.id, at=now_at, action="import", ip="",
                             wording=source, language=row.language,
                             publications=list(row.publications)) for row in added])
    return stats


@dataclass(frozen=True, slots=True)
class ExportedSubscriber:
    email: str
    language: str
    publications: list[str]
    status: str
    consent_at: datetime | None
    consent_source: str | None
    created_at: datetime


def iter_subscribers(session: Session, *, batch: int = 1000) -> Iterator[ExportedSubscriber]:
    """Every subscriber, by address, streamed (never all loaded)."""
    rows = session.execute(
        select(Subscriber.email, Subscriber.language, Subscriber.publications,
               Subscriber.status, Subscriber.consent_at, Subscriber.consent_source,
               Subscriber.created_at).order_by(Subscriber.email)
        .execution_options(yield_per=batch))
    for email, language, publications, status, consent_at, source, created_at in rows:
        yield ExportedSubscriber(email, language, list(publications or ()), str(status),
                                 consent_at, source, created_at)


__all__ = ["FORMULA_STARTS", "PUBLICATIONS", "ExportedSubscriber", "ImportStats",
           "import_subscribers", "iter_subscribers", "normalise_email", "parse_subscriber_csv"]
