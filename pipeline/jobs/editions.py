"""Jobs on editions: draft from stored items, render, approve, archive.

The plan drafted from the store is kept with the edition as canonical JSON; rendering reloads
it and refreshes every text from ``item_texts``, so a correction made after drafting shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.classify.events import find_event
from pipeline.config import load_sources
from pipeline.draft import (
    AlsoIn,
    Candidate,
    EditionPlan,
    Event,
    LocalText,
    draft_newsletter,
    draft_press_review,
    parse_events,
    plan_from_json,
    plan_to_json,
)
from pipeline.errors import ConfigError, EditionError, RenderError
from pipeline.log import get_logger
from pipeline.records import LANGUAGES, SourceSpec
from pipeline.render import (
    MAX_EMAIL_BYTES,
    EditionLinks,
    RenderedEdition,
    find_machine_translated,
    find_unrenderable,
    find_untranslated,
    render_all,
    write_agenda,
    write_archive,
    write_rendered,
)
from pipeline.store.audit import record_audit
from pipeline.store.editions import get_edition, move_edition
from pipeline.store.models import (
    Classification,
    Edition,
    EditionItem,
    Item,
    ItemText,
    Source,
    User,
)

DEFAULT_PERIOD = {"press-review": timedelta(days=7), "newsletter": timedelta(days=31)}
SECTION_KIND = {"press": "press", "partner": "partner", "initiative": "initiative"}
APPROVER_ROLES = ("approver", "admin")


def parse_day(value: str, option: str) -> datetime:
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ConfigError(f"expected a date YYYY-MM-DD, got {value!r}", path=option) from None
    return day.replace(tzinfo=UTC)


def period_of(kind: str, since: str | None, until: str | None, now_at: datetime
              ) -> tuple[datetime, datetime]:
    """[since, until) in UTC; ``until`` is inclusive as a day; defaults end now."""
    until_at = parse_day(until, "--until") + timedelta(days=1) if until else now_at
    since_at = parse_day(since, "--since") if since else until_at - DEFAULT_PERIOD[kind]
    if since_at >= until_at:
        raise ConfigError("must be before --until" if until else "must be before today",
                          path="--since")
    return since_at, until_at


LOOKUP_CHUNK = 1000
"""Ids per IN (...) list: PostgreSQL takes at most 65,535 parameters in one statement."""


def load_texts(session: Session, item_ids: Sequence[int]) -> dict[int, dict[str, LocalText]]:
    texts: dict[int, dict[str, LocalText]] = defaultdict(dict)
    for start in range(0, len(item_ids), LOOKUP_CHUNK):
        chunk = item_ids[start:start + LOOKUP_CHUNK]
        for row in session.scalars(select(ItemText).where(ItemText.item_id.in_(chunk))):
            texts[row.item_id][row.lang] = LocalText(row.title, row.summary, row.origin)  # type: ignore[arg-type]
    return texts


def load_candidates(session: Session, specs: Sequence[SourceSpec], since_at: datetime,
                    until_at: datetime) -> list[Candidate]:
    """The processed items of the period (by publication date, or by collection date when the
    publication date is unknown) with their labels and texts, as draft candidates."""
    by_source = {s.id: s for s in specs}
    in_period = or_(
        and_(Item.published_at >= since_at, Item.published_at < until_at),
        and_(Item.published_at.is_(None), Item.fetched_at >= since_at,
             Item.fetched_at < until_at))
    rows = session.execute(
        select(Item, Classification, Source.name)
        .join(Classification, Classification.item_id == Item.id)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.status.in_(("processed", "published")), in_period)).all()
    texts = load_texts(session, [r[0].id for r in rows])
    stories: dict[int, list[Item]] = defaultdict(list)
    for item, _, _ in rows:
        if item.story_id is not None:
            stories[item.story_id].append(item)
    candidates = []
    for item, labels, source_name in rows:
        siblings = [s for s in stories.get(item.story_id or -1, []) if s.id != item.id]
        spec = by_source.get(item.source_id or "")
        kind = "initiative" if labels.themes[:1] == ["initiative"] else SECTION_KIND[
            spec.section if spec else "press"]
        candidates.append(Candidate(
            item_id=str(item.id),
            story_id=f"s{item.story_id}" if item.story_id else f"i{item.id}",
            source_name=item.publisher or source_name or "",
            url=item.url, original_lang=labels.lang, published_at=item.published_at,
            relevant=labels.relevant, themes=tuple(labels.themes),
            regions=tuple(labels.regions), texts=texts.get(item.id, {}),
            outlets_count=1 + len(siblings),
            also_in=tuple(AlsoIn(s.original_lang or "und", s.url, s.publisher or "")
                          for s in sorted(siblings, key=lambda s: s.id)
                          if s.original_lang != labels.lang),
            kind=kind,  # type: ignore[arg-type]
            source_weight=1.2 if spec and spec.relevance == "always" else 1.0,
            collected_at=item.fetched_at))
    return sorted(candidates, key=lambda c: int(c.item_id))


def published_item_ids(session: Session) -> frozenset[str]:
    rows = session.scalars(select(EditionItem.item_id).join(
        Edition, Edition.id == EditionItem.edition_id).where(Edition.status == "sent"))
    return frozenset(str(i) for i in rows)


def load_events(path: Path) -> tuple[Event, ...]:
    if not path.is_file():
        return ()
    return parse_events(path.read_text(encoding="utf-8"), file=str(path))


def events_from_items(candidates: Sequence[Candidate]) -> list[Event]:
    """Items that announce an upcoming event (a webinar on 12 December…) join the agenda."""
    events = []
    for candidate in candidates:
        original = candidate.texts.get(candidate.original_lang)
        if original is None:
            continue
        hint = find_event(original.title, original.summary, candidate.original_lang,
                          candidate.published_at or candidate.collected_at)
        if hint is not None:
            events.append(Event(event_id=f"item-{candidate.item_id}", texts=candidate.texts,
                                starts_at=hint.starts_at, url=candidate.url))
    return events


def language_state(plan: EditionPlan) -> dict[str, dict[str, object]]:
    state: dict[str, dict[str, object]] = {}
    for lang in LANGUAGES:
        missing = sorted(find_untranslated(plan, lang))
        machine = sorted(find_machine_translated(plan, lang))
        state[lang] = {"complete": not missing, "missing": missing, "unreviewed": machine}
    return state


def draft(app: App, kind: str, *, since: str | None = None, until: str | None = None,
          specs: Sequence[SourceSpec] | None = None, events_path: Path | None = None,
          now_at: datetime | None = None) -> Edition:
    """Draft an edition from stored items and keep its plan; returns the new edition."""
    now_at = now_at or datetime.now(UTC)
    since_at, until_at = period_of(kind, since, until, now_at)
    specs = list(specs) if specs is not None else load_sources(app.settings.sources_path)
    events = load_events(events_path or app.settings.events_path)
    with app.session(readonly=True) as session:
        candidates = load_candidates(session, specs, since_at, until_at)
        published = published_item_ids(session)
    if kind == "press-review":
        plan = draft_press_review(candidates, since_at=since_at, until_at=until_at,
                                  published_ids=published,
                                  section_order=app.settings.section_order)
    else:
        agenda = sorted([*events, *events_from_items(candidates)],
                        key=lambda e: (e.starts_at, e.event_id))
        plan = draft_newsletter(candidates, agenda, since_at=since_at, until_at=until_at,
                                published_ids=published)
    # Render once in memory so that the draft already warns when an email would be clipped
    # (the overflow goes to the web version) or a language is missing; an item that cannot be
    # rendered is left out, named in a warning, and the edition is drafted without it.
    plan, preview = render_leaving_out(plan)
    warnings = list(dict.fromkeys([*plan.warnings, *(w for lang in LANGUAGES
                                                     for w in preview[lang].warnings)]))
    with app.session() as session:
        edition = Edition(kind=kind, period_start_at=since_at, period_end_at=until_at,
                          status="draft", plan=plan_to_json(plan), warnings=warnings,
                          language_state=language_state(plan), editorial={},
                          created_at=now_at, updated_at=now_at)
        session.add(edition)
        session.flush()
        for section in plan.sections:
            for position, entry in enumerate(section.entries):
                session.add(EditionItem(edition_id=edition.id, item_id=int(entry.item_id),
                                        section=section.id, position=position))
        record_audit(session, "pipeline", "edition.drafted", f"edition:{edition.id}",
                     kind=kind, entries=len(plan.entries))
    get_logger(edition_id=edition.id).info("edition.drafted", kind=kind,
                                           entries=len(plan.entries))
    return edition


def render_leaving_out(
    plan: EditionPlan, *, links: dict[str, EditionLinks] | None = None,
    max_bytes: int | None = MAX_EMAIL_BYTES,
) -> tuple[EditionPlan, dict[str, RenderedEdition]]:
    """Render every language (a preview: missing translations marked); when that fails, the
    entries that cannot be rendered are found, left out with a warning each, and the rest is
    rendered. No single item can stop an edition."""
    try:
        return plan, render_all(plan, links=links, allow_incomplete=True, max_bytes=max_bytes)
    except RenderError:
        bad = find_unrenderable(plan, links=links)  # raises if no item is to blame
        if not bad:
            raise
    for item_id, reason in bad.items():
        get_logger(item_id=item_id).warning("edition.item_left_out", reason=reason)
    plan = plan.without_entries(bad)
    return plan, render_all(plan, links=links, allow_incomplete=True, max_bytes=max_bytes)


def current_plan(session: Session, edition: Edition) -> EditionPlan:
    """The stored plan with every entry's texts as they are now in the store."""
    if not edition.plan:
        raise EditionError(f"edition {edition.id} has no drafted plan")
    plan = plan_from_json(edition.plan)
    texts = load_texts(session, [int(e.item_id) for e in plan.entries])
    sections = tuple(replace(section, entries=tuple(
        replace(entry, texts=texts.get(int(entry.item_id), entry.texts))
        for entry in section.entries)) for section in plan.sections)
    return replace(plan, sections=sections)


def edition_links(app: App, edition: Edition) -> dict[str, EditionLinks]:
    base = app.settings.base_url.rstrip("/")
    return {lang: EditionLinks(
        web_url=f"{base}/archive/{edition.kind}/{lang}/{edition_slug(edition)}.html",
        unsubscribe_url=f"{base}/unsubscribe", preferences_url=f"{base}/preferences")
        for lang in LANGUAGES}


def last_day(edition: Edition) -> datetime:
    """The period's end is exclusive; people name a period by its last day."""
    return edition.period_end_at - timedelta(microseconds=1)


def edition_slug(edition: Edition) -> str:
    return f"{last_day(edition):%Y-%m-%d}-{edition.id}"


def render(app: App, edition_id: int, out_dir: Path) -> dict[str, RenderedEdition]:
    """Render all three languages in memory, then write them (a preview marks what is still
    untranslated rather than refusing)."""
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        links = edition_links(app, edition)
    rendered_plan, rendered = render_leaving_out(plan, links=links)
    left_out = rendered_plan.warnings[len(plan.warnings):]  # edited since into unrenderable
    if left_out:
        rendered = {lang: replace(result, warnings=(*result.warnings, *left_out))
                    for lang, result in rendered.items()}
    write_rendered(rendered, out_dir)
    write_agenda(plan, out_dir, LANGUAGES)
    return rendered


def approve(app: App, edition_id: int, *, by: str, accept_machine: bool = False) -> Edition:
    """Approve when every language is complete; unreviewed machine translations need the
    approver to accept them explicitly (recorded in the audit log, item by item)."""
    with app.session() as session:
        user = session.scalar(select(User).where(User.name == by))
        if user is None or user.role not in APPROVER_ROLES:
            raise EditionError(f"{by!r} is not an approver: only approvers and admins approve")
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        state = language_state(plan)
        missing = {lang: s["missing"] for lang, s in state.items() if s["missing"]}
        if missing:
            named = "; ".join(f"{lang}: items {', '.join(map(str, ids))}"  # type: ignore[call-overload]
                              for lang, ids in missing.items())
            raise EditionError(f"edition {edition_id} cannot be approved: no translation for "
                               f"{named}")
        unreviewed = {lang: s["unreviewed"] for lang, s in state.items() if s["unreviewed"]}
        if unreviewed and not accept_machine:
            counts = ", ".join(f"{lang} {len(ids)}" for lang, ids in unreviewed.items())  # type: ignore[arg-type]
            raise EditionError(
                f"edition {edition_id} has unreviewed machine translations ({counts}): review "
                "them, or approve with --accept-machine-translations")
        if unreviewed:
            record_audit(session, by, "translations.accepted", f"edition:{edition_id}",
                         items=unreviewed)
        edition.language_state = state
        move_edition(session, edition, "approved", actor=by)
        return edition


def archive(app: App, edition_id: int) -> list[Path]:
    """Publish a sent edition into the web archive (written once, never silently rewritten)."""
    with app.session() as session:
        edition = get_edition(session, edition_id)
        if edition.status != "sent":
            raise EditionError(f"edition {edition_id} is {edition.status}: only a sent edition "
                               "is archived")
        plan = current_plan(session, edition)
    rendered = render_all(plan, max_bytes=None)
    published_at = edition.sent_at or datetime.now(UTC)
    written = write_archive(rendered, plan, app.settings.archive_dir, edition_slug(edition),
                            published_at=published_at, base_url=app.settings.base_url)
    with app.session() as session:
        row = get_edition(session, edition_id)
        row.archived_at = datetime.now(UTC)
        record_audit(session, "pipeline", "edition.archived", f"edition:{edition_id}",
                     files=len(written))
    return written
