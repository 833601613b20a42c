"""Job: ambassadors' submissions, from "Submit" to the team's inbox.

:func:`submit_news` checks and stores a submission at once (the link refused before any
request when its scheme or address is not allowed; a link already collected is attached to
its item, the ambassador becoming a second source); the per-account rate limit is counted
under a lock on the account, so nothing accepted is lost and nothing over the limit is
stored. :func:`process_submissions` then claims the received submissions with a lease:
a link goes through the same safe fetcher, extraction and dedupe as the collect stage; a text
becomes an item directly; each new item is classified (relevant: a person sent it; the
ambassador's region first among its regions, their suggested theme first among its themes)
and translated into the other publication languages, like ``pipeline process`` does.

The web app runs :func:`process_submissions` in a background thread as soon as a
submission is received (:func:`kick_submissions`, setting ``submissions_in_web``);
``pipeline submissions process`` and the scheduler run it too, so a submission received while
nothing ran is never stranded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.classify import classify_item
from pipeline.classify.taxonomy import Taxonomy
from pipeline.collect import FetchSettings, ParseSandbox, canonicalise_url, hash_content
from pipeline.collect.addresses import check_url
from pipeline.collect.cleaning import clean_text
from pipeline.collect.submission import SUBMISSION_SOURCE_ID, collect_submission_async
from pipeline.errors import (
    AddressNotAllowed,
    FetchError,
    FormError,
    ParseError,
    PermissionDenied,
    TooManySubmissions,
    one_line,
)
from pipeline.jobs.collect import parse_limits
from pipeline.jobs.process import BufferedMemory, original_text, translate_originals
from pipeline.jobs.runs import RunRecord, recorded_run
from pipeline.log import get_logger
from pipeline.permissions import SYSTEM, Action, Actor, require
from pipeline.records import REGIONS, THEMES, Classification, CollectedItem
from pipeline.states import EditionStatus, Role, SubmissionKind, SubmissionStatus
from pipeline.store.audit import record_audit
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.processing import (
    PendingItem,
    finish_items,
    held_items,
    mark_item_failed,
    save_classification,
)
from pipeline.store.runs import LEASE_SECONDS
from pipeline.store.submissions import (
    EditionRef,
    add_submission,
    attach_item,
    claim_items,
    claim_submissions,
    count_submissions_since,
    fail_submission,
    find_item_id,
    get_submission,
    insert_submitted_item,
    load_pending_items,
    lock_account,
    return_submission,
)
from pipeline.store.submissions import SubmissionWork as Work
from pipeline.store.texts import save_item_text
from pipeline.teamfiles import glossary_path, team_taxonomy
from pipeline.translate import Translator, build_translator

MAX_TITLE = 300
MAX_SUMMARY = 5_000
MAX_URL = 2_000
MAX_CREDIT = 300
MAX_COMMENT = 2_000
SUBMISSION_LANGUAGES = ("fr", "en", "es", "pt", "de", "it")
"""Languages a submission may be written in (those of sources.toml): translated into the
three publication languages."""
RATE_WINDOW = timedelta(hours=1)
BATCH = 20
MAX_REGIONS = 3


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """A submission as the form (or a script) gives it; checked by :func:`check_submission`."""

    kind: str
    url: str = ""
    title: str = ""
    summary: str = ""
    lang: str = ""
    region: str = ""
    theme: str = ""
    image_url: str = ""
    image_credit: str = ""


@dataclass(frozen=True, slots=True)
class Receipt:
    submission_id: int
    duplicate: bool
    """The link was already collected: the ambassador is now a second source of its item."""


def _one_line(value: str, field: str, limit: int, *, required: bool = False) -> str:
    if len(value) > limit:
        raise FormError(f"at most {limit} characters", path=field, code=f"{field}_long")
    text, _ = clean_text(value, limit)
    if required and not text:
        raise FormError("required", path=field, code=f"{field}_missing")
    return text


def _link(value: str, field: str, app: App, *, fetched: bool = True) -> str:
    """A link checked as the fetcher checks it (an image link, which is never fetched, as
    production would: a public http(s) address)."""
    if len(value) > MAX_URL:
        raise FormError(f"at most {MAX_URL} characters", path=field, code=f"{field}_long")
    text = value.strip()
    try:
        check_url(text, allow_loopback=fetched and app.settings.allow_private_addresses,
                  loopback_only=fetched and app.settings.loopback_only)
    except AddressNotAllowed as exc:
        raise FormError(str(exc), path=field, code=f"{field}_refused") from None
    return text


def check_submission(app: App, actor: Actor, new: NewSubmission) -> NewSubmission:
    """The submission cleaned, or :class:`FormError` naming the first field refused. A link
    is checked like any fetch (scheme, credentials, address) before any request is made."""
    if new.kind not in set(SubmissionKind):
        raise FormError("expected link or text", path="kind", code="kind")
    region = actor.region if actor.role is Role.AMBASSADOR else new.region
    if region not in REGIONS:
        raise FormError(f"expected one of {', '.join(REGIONS)}", path="region", code="region")
    if new.lang not in SUBMISSION_LANGUAGES:
        raise FormError(f"expected one of {', '.join(SUBMISSION_LANGUAGES)}", path="lang",
                        code="lang")
    if new.theme and new.theme not in THEMES:
        raise FormError(f"expected one of {', '.join(THEMES)}", path="theme", code="theme")
    link = new.kind == SubmissionKind.LINK
    url = _link(new.url, "url", app) if link or new.url.strip() else ""
    if link and not url:
        raise FormError("required", path="url", code="url_missing")
    title = _one_line(new.title, "title", MAX_TITLE, required=not link)
    if len(new.summary) > MAX_SUMMARY:
        raise FormError(f"at most {MAX_SUMMARY} characters", path="summary",
                        code="summary_long")
    summary, _ = clean_text(new.summary, MAX_SUMMARY, multiline=True)
    if not link and not summary:
        raise FormError("required", path="summary", code="summary_missing")
    image_url = _link(new.image_url, "image_url", app, fetched=False) \
        if new.image_url.strip() else ""
    credit = _one_line(new.image_credit, "image_credit", MAX_CREDIT)
    return NewSubmission(kind=new.kind, url=url, title=title, summary=summary, lang=new.lang,
                         region=region, theme=new.theme, image_url=image_url,
                         image_credit=credit)


def submit_news(app: App, actor: Actor, new: NewSubmission, *,
                now_at: datetime | None = None) -> Receipt:
    """Check and store a submission (audited); :class:`TooManySubmissions` past the
    account's hourly limit (nothing stored)."""
    require(actor, Action.SUBMIT)
    checked = check_submission(app, actor, new)
    require(actor, Action.SUBMIT, region=checked.region)
    if actor.user_id is None:
        raise PermissionDenied(f"{actor.name} has no account to submit from")
    now_at = now_at or datetime.now(UTC)
    link = checked.kind == SubmissionKind.LINK
    limit = app.settings.submissions_per_hour
    with app.session() as db:
        if lock_account(db, actor.user_id) is None:
            raise PermissionDenied(f"{actor.name} has no account any more")
        if count_submissions_since(db, actor.user_id, now_at - RATE_WINDOW) >= limit:
            raise TooManySubmissions(f"at most {limit} submissions an hour: try again later",
                                     retry_after_s=int(RATE_WINDOW.total_seconds()))
        existing = find_item_id(db, canonical_url=canonicalise_url(checked.url)) \
            if link else None
        row = add_submission(
            db, now_at=now_at, user_id=actor.user_id, region=checked.region,
            kind=SubmissionKind(checked.kind), url=checked.url or None, title=checked.title,
            text=checked.summary, lang=checked.lang, theme=checked.theme or None,
            image_url=checked.image_url or None, image_credit=checked.image_credit or None)
        if existing is not None:
            row.item_id, row.duplicate = existing, True
            row.status = SubmissionStatus.IN_INBOX
        record_audit(db, actor.name, "submission.received", f"submission:{row.id}",
                     kind=checked.kind, region=checked.region, duplicate=existing is not None)
        return Receipt(row.id, existing is not None)


def return_to_ambassador(app: App, actor: Actor, submission_id: int, comment: str) -> None:
    """An editor sends a submission back with a comment the ambassador reads (audited)."""
    require(actor, Action.EDIT)
    text, _ = clean_text(comment[:MAX_COMMENT + 1], MAX_COMMENT + 1, multiline=True)
    if not text:
        raise FormError("required", path="comment", code="comment_missing")
    if len(text) > MAX_COMMENT:
        raise FormError(f"at most {MAX_COMMENT} characters", path="comment",
                        code="comment_long")
    with app.session() as db:
        row = return_submission(db, submission_id, by=actor.name, comment=text,
                                now_at=datetime.now(UTC))
        if row is None:
            raise FormError("no such submission", path="submission", code="missing")
        record_audit(db, actor.name, "submission.returned", f"submission:{submission_id}",
                     comment=text)


# --- collecting and processing ----------------------------------------------------------

@dataclass(slots=True)
class SubmissionsReport:
    run_id: int
    collected: int = 0
    duplicates: int = 0
    failed: int = 0
    processed: int = 0

    def stats(self) -> dict[str, int]:
        return {"collected": self.collected, "duplicates": self.duplicates,
                "failed": self.failed, "processed": self.processed}


def text_item(work: Work, now_at: datetime) -> CollectedItem:
    """A text submission as an item: the ambassador's title and summary."""
    content_hash = hash_content(work.title, work.summary)
    return CollectedItem(
        source_id=SUBMISSION_SOURCE_ID, url=work.url or "",
        canonical_url=f"urn:submission:{content_hash[7:39]}", title=work.title,
        fetched_at=now_at, content_hash=content_hash, summary=work.summary,
        body=work.summary, lang_hint=work.lang)


async def collect_links(works: Sequence[Work], settings: FetchSettings, sandbox: ParseSandbox
                        ) -> dict[int, CollectedItem | str]:
    """Each link's item, or the reason it could not be had."""
    async def one(work: Work) -> CollectedItem | str:
        try:
            item = await collect_submission_async(work.url or "", settings,
                                                  lang_hint=work.lang, sandbox=sandbox)
        except (FetchError, ParseError) as exc:
            return str(exc)
        except Exception as exc:  # a bug on one page must not fail the others
            return f"internal error: {one_line(exc)}"
        summary = work.summary or item.summary or item.body[:500]
        return replace(item, title=work.title or item.title, summary=summary,
                       lang_hint=work.lang or item.lang_hint)

    results = await asyncio.gather(*(one(work) for work in works))
    return {work.id: result for work, result in zip(works, results, strict=True)}


def fetch_settings(app: App) -> FetchSettings:
    return FetchSettings(allow_private_addresses=app.settings.allow_private_addresses,
                         loopback_only=app.settings.loopback_only,
                         max_in_flight=app.settings.fetch_concurrency)


def process_submissions(app: App, actor: Actor = SYSTEM, *,
                        translator: Translator | None = None) -> SubmissionsReport:
    """Collect every received submission, then classify and translate the new items."""
    require(actor, Action.EDIT)
    with recorded_run(app, "submissions") as run, contextlib.ExitStack() as stack:
        report = SubmissionsReport(run_id=run.id)
        sandbox: ParseSandbox | None = None
        while True:
            with app.session() as db:
                works = claim_submissions(db, owner=run.owner, lease_seconds=LEASE_SECONDS,
                                          limit=BATCH)
            if not works:
                break
            links = [w for w in works if w.kind == SubmissionKind.LINK]
            fetched: dict[int, CollectedItem | str] = {}
            if links:
                if sandbox is None:
                    sandbox = stack.enter_context(ParseSandbox(parse_limits(app), workers=1))
                fetched = asyncio.run(collect_links(links, fetch_settings(app), sandbox))
            new_items = store_works(app, run, works, fetched, report)
            if new_items:
                translator = translator or build_translator(
                    app.settings.translation_engines, glossary_path=glossary_path(app.settings),
                    pair_engines=app.settings.pair_engines)
                process_items(app, run, new_items, translator, report)
        run.stats.update(report.stats())
        run.log.info("submissions.done", **report.stats())
    return report


def store_works(app: App, run: RunRecord, works: Sequence[Work],
                fetched: dict[int, CollectedItem | str], report: SubmissionsReport
                ) -> dict[int, Work]:
    """Store each submission's item (or its failure); the new items, by id, with the
    submission that brought them."""
    now_at = datetime.now(UTC)
    new_items: dict[int, Work] = {}
    with app.session() as db:
        for work in works:
            got = fetched.get(work.id) if work.kind == SubmissionKind.LINK else \
                text_item(work, now_at)
            if got is None or isinstance(got, str):
                fail_submission(db, work.id, got or "not collected", owner=run.owner)
                report.failed += 1
                run.log.warning("submission.failed", submission_id=work.id, error=got)
                continue
            item_id, existed = insert_submitted_item(db, got, work.id)
            attach_item(db, work.id, item_id, duplicate=existed, owner=run.owner)
            report.collected += 1
            report.duplicates += existed
            if not existed:
                new_items[item_id] = work
        run.stats.update(report.stats())
        run.save_stats(db)
    return new_items


def label_submission(item: PendingItem, work: Work, taxonomy: Taxonomy) -> Classification:
    """The classifier's labels, with what the ambassador knows first: relevant (a person
    sent it), their region first, their suggested theme first."""
    labels = classify_item(item.title, item.body or item.summary, source_lang=work.lang,
                           source_region=work.region,
                           source_themes=(work.theme,) if work.theme else (),
                           source_relevance="always", taxonomy=taxonomy)
    regions = [r for r in (work.region, *labels.regions) if r]
    themes = [t for t in (work.theme, *labels.themes) if t]
    return replace(labels, relevant=True,
                   regions=tuple(dict.fromkeys(regions))[:MAX_REGIONS],
                   themes=tuple(dict.fromkeys(themes))[:MAX_REGIONS])


def process_items(app: App, run: RunRecord, new_items: dict[int, Work],
                  translator: Translator, report: SubmissionsReport) -> None:
    """Classify and translate the items submissions brought (no transaction held while
    the engines work), then store them in one short transaction, as ``pipeline process``
    does."""
    with app.session() as db:
        claimed = set(claim_items(db, list(new_items), owner=run.owner,
                                  lease_seconds=LEASE_SECONDS))
    with app.session(readonly=True) as db:
        pending = load_pending_items(db, sorted(claimed))
    taxonomy = team_taxonomy(app.settings)
    memory = BufferedMemory(app)
    translator.memory = memory
    prepared, failed = [], {}
    for item in pending:
        try:
            labels = label_submission(item, new_items[item.id], taxonomy)
            prepared.append((item, labels, original_text(item, labels)))
        except Exception as exc:  # one bad item must not stop the others
            failed[item.id] = f"classification failed: {exc!r}"
    try:
        translated = translate_originals(translator, [p[2] for p in prepared])
    except Exception as exc:
        translated = [[] for _ in prepared]
        for item, _labels, _text in prepared:
            failed[item.id] = f"translation failed: {exc!r}"
        prepared = []
    with app.session() as db:
        held = held_items(db, [item.id for item in pending], owner=run.owner)
        done = []
        for (item, labels, original), texts in zip(prepared, translated, strict=False):
            if item.id not in held:
                continue
            save_classification(db, item.id, labels)
            save_item_text(db, item.id, original)
            for text in texts:
                save_item_text(db, item.id, text)
            done.append(item.id)
        memory.flush(SqlTranslationMemory(db))
        finish_items(db, done, owner=run.owner)
        for item_id, error in failed.items():
            if item_id in held:
                mark_item_failed(db, item_id, error, owner=run.owner)
        report.processed += len(done)
        run.stats.update(report.stats())
        run.save_stats(db)


# --- the web app's background run ------------------------------------------------------

_running: dict[int, threading.Lock] = {}
_wanted: dict[int, threading.Event] = {}
_guard = threading.Lock()


def kick_submissions(app: App) -> None:
    """Process the received submissions now, unless a run of this process is already at it
    (that run goes round again, so nothing received meanwhile waits for the scheduler)."""
    with _guard:
        lock = _running.setdefault(id(app), threading.Lock())
        wanted = _wanted.setdefault(id(app), threading.Event())
    wanted.set()
    while wanted.is_set():
        if not lock.acquire(blocking=False):
            return  # the running one sees ``wanted`` and goes round again
        try:
            while wanted.is_set():
                wanted.clear()
                try:
                    process_submissions(app)
                except Exception as exc:  # logged; the scheduler's run tries again
                    get_logger().error("submissions.failed", error=one_line(exc))
        finally:
            lock.release()


def archive_link(app: App, edition: EditionRef | None, lang: str) -> str:
    """The archive page of a sent and archived edition, in ``lang`` ("" otherwise)."""
    if edition is None or edition.status != EditionStatus.SENT or not edition.archived_at:
        return ""
    last_day = edition.period_end_at - timedelta(microseconds=1)
    slug = f"{last_day:%Y-%m-%d}-{edition.id}"  # pipeline.jobs.editions.edition_slug
    return f"{app.settings.base_url.rstrip('/')}/archive/{edition.kind}/{lang}/{slug}.html"


def submission_owner(app: App, submission_id: int) -> tuple[int | None, str | None] | None:
    """(owner's account id, region) of a submission, or None when there is none."""
    with app.session(readonly=True) as db:
        row = get_submission(db, submission_id)
        return None if row is None else (row.user_id, row.region)


__all__ = [
    "NewSubmission",
    "Receipt",
    "SubmissionsReport",
    "archive_link",
    "check_submission",
    "kick_submissions",
    "process_submissions",
    "return_to_ambassador",
    "submit_news",
]
