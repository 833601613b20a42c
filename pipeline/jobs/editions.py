"""Jobs on editions: draft from stored items, render, approve, archive.

A drafted edition is kept as rows: ``edition_items`` (which item sits in which section, at
which position) and ``edition_blocks`` (the agenda entries drafted with it, then what the
team writes: editorial, key figures). :func:`current_plan` assembles the plan from them, with
every item's labels and texts as stored now, so that whatever the team changes in the editor
(:mod:`pipeline.jobs.editor`) or in the texts shows in every later render. The drafted plan
stays on the edition as canonical JSON: the record of what the machine proposed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.classify.events import find_event
from pipeline.config import load_sources
from pipeline.draft import (
    DEFAULT_SECTION_ORDER,
    AlsoIn,
    Candidate,
    EditionPlan,
    Event,
    KeyFigure,
    LocalText,
    assemble_plan,
    draft_newsletter,
    draft_press_review,
    parse_events,
    plan_to_json,
    section_layout,
)
from pipeline.draft.fingerprint import edition_fingerprint, language_fingerprints
from pipeline.errors import ConfigError, EditionError, RenderError
from pipeline.jobs.runs import recorded_run
from pipeline.log import get_logger
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES, LanguageState, SourceSpec
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
from pipeline.states import BlockKind, EditionStatus, TextState
from pipeline.store.approvals import save_approval, set_content_hash
from pipeline.store.audit import record_audit
from pipeline.store.blocks import NewText, StoredBlock, load_blocks
from pipeline.store.candidates import PeriodItem, load_candidates, load_items
from pipeline.store.editions import (
    DraftedBlock,
    PlannedEntry,
    create_edition,
    get_edition,
    mark_archived,
    move_edition,
    published_item_ids,
)
from pipeline.store.entries import load_placements
from pipeline.store.models import Edition

DEFAULT_PERIOD = {"press-review": timedelta(days=7), "newsletter": timedelta(days=31)}
SECTION_KIND = {"press": "press", "partner": "partner", "initiative": "initiative"}


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


def to_candidate(row: PeriodItem, spec: SourceSpec | None) -> Candidate:
    """A stored item of the period as the draft stage sees it."""
    kind = "initiative" if row.themes[:1] == ("initiative",) else SECTION_KIND[
        spec.section if spec else "press"]
    return replace(stored_candidate(row), kind=kind,  # type: ignore[arg-type]
                   source_weight=1.2 if spec and spec.relevance == "always" else 1.0)


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


def language_state(plan: EditionPlan) -> dict[str, LanguageState]:
    return {lang: LanguageState(missing=tuple(sorted(find_untranslated(plan, lang))),
                                unreviewed=tuple(sorted(find_machine_translated(plan, lang))))
            for lang in LANGUAGES}


def plan_edition(kind: str, rows: Sequence[PeriodItem], specs: Sequence[SourceSpec],
                 events: Sequence[Event], published: frozenset[int], since_at: datetime,
                 until_at: datetime, section_order: Sequence[str]) -> EditionPlan:
    by_source = {s.id: s for s in specs}
    candidates = [to_candidate(row, by_source.get(row.source_id or "")) for row in rows]
    published_ids = frozenset(str(i) for i in published)
    if kind == "press-review":
        return draft_press_review(candidates, since_at=since_at, until_at=until_at,
                                  published_ids=published_ids, section_order=section_order)
    agenda = sorted([*events, *events_from_items(candidates)],
                    key=lambda e: (e.starts_at, e.event_id))
    return draft_newsletter(candidates, agenda, since_at=since_at, until_at=until_at,
                            published_ids=published_ids)


def draft(app: App, actor: Actor, kind: str, *, since: str | None = None,
          until: str | None = None, specs: Sequence[SourceSpec] | None = None,
          events_path: Path | None = None, now_at: datetime | None = None,
          period: tuple[datetime, datetime] | None = None,
          schedule_key: str | None = None) -> Edition:
    """Draft an edition from stored items and keep its plan; returns the new edition.
    ``period`` (aware datetimes) replaces ``since``/``until``; ``schedule_key`` marks a
    scheduled draft, one per key (pipeline.jobs.scheduled)."""
    require(actor, Action.EDIT)
    now_at = now_at or datetime.now(UTC)
    since_at, until_at = period or period_of(kind, since, until, now_at)
    with recorded_run(app, f"draft {kind}") as run:
        specs = list(specs) if specs is not None else load_sources(app.settings.sources_path)
        events = load_events(events_path or app.settings.events_path)
        with app.session(readonly=True) as session:
            rows = load_candidates(session, since_at, until_at)
            published = published_item_ids(session)
        plan = plan_edition(kind, rows, specs, events, published, since_at, until_at,
                            app.settings.section_order)
        # Render once in memory so that the draft already warns when an email would be
        # clipped (the overflow goes to the web version) or a language is missing; an item
        # that cannot be rendered is left out, named in a warning, and the edition is drafted
        # without it.
        plan, preview = render_leaving_out(plan)
        warnings = list(dict.fromkeys([*plan.warnings, *(w for lang in LANGUAGES
                                                         for w in preview[lang].warnings)]))
        with app.session() as session:
            edition = keep_plan(session, plan, actor=actor, now_at=now_at, warnings=warnings,
                                schedule_key=schedule_key)
        entries = len(plan.entries)
        run.stats.update(edition=edition.id, candidates=len(rows), entries=entries)
        run.log.info("edition.drafted", kind=kind, edition_id=edition.id, entries=entries)
    return edition


def keep_plan(session: Session, plan: EditionPlan, *, actor: Actor, now_at: datetime,
              warnings: Sequence[str] = (),
              state: dict[str, LanguageState] | None = None,
              schedule_key: str | None = None) -> Edition:
    """A new draft edition holding a drafted plan: its entries placed as drafted, its
    editorial, key figures and agenda entries as blocks, the plan itself kept as JSON."""
    entries = [PlannedEntry(int(entry.item_id), section.id, position)
               for section in plan.sections for position, entry in enumerate(section.entries)]
    return create_edition(
        session, kind=plan.kind, period_start_at=plan.period_start_at,
        period_end_at=plan.period_end_at, plan_json=plan_to_json(plan),
        warnings=warnings or plan.warnings, language_state=state or language_state(plan),
        entries=entries, actor=actor, now_at=now_at, blocks=drafted_blocks(plan),
        schedule_key=schedule_key)


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


def stored_candidate(row: PeriodItem) -> Candidate:
    """A stored item as it is now (labels, texts, story), as an entry's source."""
    return Candidate(
        item_id=str(row.item_id),
        story_id=f"s{row.story_id}" if row.story_id else f"i{row.item_id}",
        source_name=row.source_name, url=row.url, original_lang=row.original_lang,
        published_at=row.published_at, relevant=row.relevant, themes=row.themes,
        regions=row.regions,
        texts={lang: LocalText.from_item_text(text) for lang, text in row.texts.items()},
        outlets_count=1 + len(row.siblings),
        also_in=tuple(AlsoIn(s.lang, s.url, s.publisher) for s in row.siblings
                      if s.url != row.url),  # the story's other reports, any language
        collected_at=row.fetched_at)


def block_texts(block: StoredBlock) -> dict[str, LocalText]:
    return {lang: LocalText(text.title, text.summary, text.state)
            for lang, text in sorted(block.texts.items())}


def current_plan(session: Session, edition: Edition,
                 section_order: Sequence[str] = DEFAULT_SECTION_ORDER) -> EditionPlan:
    """The edition as it is now: its entries where the team put them (``edition_items``),
    each with its item's labels and texts as stored now, and the blocks the team wrote."""
    placements = load_placements(session, edition.id)
    items = load_items(session, [p.item_id for p in placements])
    entries: dict[str, list[Candidate]] = {}
    for placement in placements:
        if placement.item_id in items:
            entries.setdefault(placement.section, []).append(
                stored_candidate(items[placement.item_id]))
    blocks = load_blocks(session, edition.id)
    editorial = next((block_texts(b) for b in blocks if b.kind is BlockKind.EDITORIAL), {})
    figures = [KeyFigure(b.record_id, b.value or 0.0, block_texts(b), b.source_name, b.url)
               for b in blocks if b.kind is BlockKind.KEY_FIGURE]
    events = sorted((Event(b.record_id, block_texts(b), b.starts_at, b.ends_at, b.place, b.url)
                     for b in blocks if b.kind is BlockKind.EVENT and b.starts_at is not None),
                    key=lambda e: (e.starts_at, e.event_id))
    return assemble_plan(
        edition.kind,  # type: ignore[arg-type]
        since_at=edition.period_start_at, until_at=edition.period_end_at,
        layout=section_layout(edition.kind, section_order), entries=entries,
        editorial=editorial, figures=figures, events=events,
        warnings=tuple(edition.warnings or ()))


def _new_texts(texts: Mapping[str, LocalText]) -> dict[str, NewText]:
    return {lang: NewText(text.title, text.summary, TextState(text.origin))
            for lang, text in texts.items()}


def drafted_blocks(plan: EditionPlan) -> list[DraftedBlock]:
    """The editorial, key figures and agenda entries of a drafted plan, to be kept as the
    edition's blocks."""
    blocks = []
    for section in plan.sections:
        if section.kind == "editorial" and section.editorial:
            blocks.append(DraftedBlock(BlockKind.EDITORIAL, _new_texts(section.editorial)))
        blocks += [DraftedBlock(BlockKind.KEY_FIGURE, _new_texts(figure.texts),
                                fields={"value": figure.value, "url": figure.source_url,
                                        "source_name": figure.source_name})
                   for figure in section.figures]
        blocks += [DraftedBlock(BlockKind.EVENT, _new_texts(event.texts), ref=event.event_id,
                                fields={"starts_at": event.starts_at, "ends_at": event.ends_at,
                                        "place": event.place, "url": event.url})
                   for event in section.events]
    return blocks


def archive_url(app: App) -> str:
    """Where the web archive is served: "view in browser" links and archive feeds point there."""
    return f"{app.settings.base_url.rstrip('/')}/archive"


def edition_content_hash(session: Session, edition: Edition) -> str:
    """The fingerprint of what an edition says now (:mod:`pipeline.draft.fingerprint`: every
    language as its readers see it, not who wrote each wording), the one :func:`freeze` keeps
    on approval; a send refuses an edition whose fingerprint no longer matches."""
    return edition_fingerprint(language_fingerprints(current_plan(session, edition)))


def edition_links(app: App, edition: Edition) -> dict[str, EditionLinks]:
    base = app.settings.base_url.rstrip("/")
    return {lang: EditionLinks(
        web_url=f"{archive_url(app)}/{edition.kind}/{lang}/{edition_slug(edition)}.html",
        unsubscribe_url=f"{base}/unsubscribe", preferences_url=f"{base}/preferences")
        for lang in LANGUAGES}


def last_day(edition: Edition) -> datetime:
    """The period's end is exclusive; people name a period by its last day."""
    return edition.period_end_at - timedelta(microseconds=1)


def edition_slug(edition: Edition) -> str:
    return f"{last_day(edition):%Y-%m-%d}-{edition.id}"


def render(app: App, actor: Actor, edition_id: int, out_dir: Path
           ) -> dict[str, RenderedEdition]:
    """Render all three languages in memory, then write them (a preview marks what is still
    untranslated rather than refusing)."""
    require(actor, Action.READ)
    with recorded_run(app, "render") as run:
        with app.session(readonly=True) as session:
            edition = get_edition(session, edition_id)
            plan = current_plan(session, edition, app.settings.section_order)
            links = edition_links(app, edition)
        rendered_plan, rendered = render_leaving_out(plan, links=links)
        left_out = rendered_plan.warnings[len(plan.warnings):]  # edited since into unrenderable
        if left_out:
            rendered = {lang: replace(result, warnings=(*result.warnings, *left_out))
                        for lang, result in rendered.items()}
        write_rendered(rendered, out_dir)
        write_agenda(plan, out_dir, LANGUAGES)
        run.stats.update(edition=edition_id, languages=len(rendered))
    return rendered


def check_approvable(edition_id: int, state: dict[str, LanguageState],
                     accept_machine: bool) -> dict[str, list[str]]:
    """The unreviewed texts the approver accepts, by language; refuses an incomplete
    edition, and unreviewed texts unless ``accept_machine``."""
    missing = {lang: s.missing for lang, s in state.items() if s.missing}
    if missing:
        named = "; ".join(f"{lang}: items {', '.join(ids)}" for lang, ids in missing.items())
        raise EditionError(f"edition {edition_id} cannot be approved: no translation for "
                           f"{named}")
    unreviewed = {lang: list(s.unreviewed) for lang, s in state.items() if s.unreviewed}
    if unreviewed and not accept_machine:
        counts = ", ".join(f"{lang} {len(ids)}" for lang, ids in unreviewed.items())
        raise EditionError(
            f"edition {edition_id} has unreviewed machine translations ({counts}): review "
            "them, or approve with --accept-machine-translations")
    return unreviewed


def accept_machine_texts(session: Session, actor: Actor, edition_id: int,
                         unreviewed: dict[str, list[str]]) -> None:
    """Record that ``actor`` accepts these unreviewed machine texts as they are: one audit
    entry for the lot (by language) and one per text, so that each item's history shows
    who let its machine wording go out."""
    record_audit(session, actor.name, "translations.accepted", f"edition:{edition_id}",
                 items=unreviewed)
    for lang, ids in unreviewed.items():
        for record_id in ids:
            target = f"item:{record_id}:{lang}" if record_id.isdigit() else \
                f"edition:{edition_id}:{record_id}:{lang}"
            record_audit(session, actor.name, "translation.accepted", target,
                         edition=edition_id)


def freeze(session: Session, edition: Edition, plan: EditionPlan, actor: Actor,
           approved_languages: Sequence[str] = LANGUAGES, **details: object) -> str:
    """Approve ``edition`` as ``plan`` shows it now: the languages named are recorded as
    approved with their fingerprint, the edition keeps the hash of the whole (the sender
    refuses to send when the content no longer has it). Returns that hash."""
    by_language = language_fingerprints(plan)
    now_at = datetime.now(UTC)
    for lang in approved_languages:
        save_approval(session, edition.id, lang, by=actor.name,
                      content_hash=by_language[lang], now_at=now_at)
    content_hash = edition_fingerprint(by_language)
    edition.language_state = language_state(plan)
    set_content_hash(edition, content_hash)
    move_edition(session, edition, EditionStatus.APPROVED, actor=actor,
                 content_hash=content_hash, **details)
    return content_hash


def approve(app: App, actor: Actor, edition_id: int, *, accept_machine: bool = False
            ) -> Edition:
    """Approve when every language is complete; unreviewed machine translations need the
    approver to accept them explicitly (recorded in the audit log, item by item). Every
    language is approved at once, and the content frozen with its hash."""
    require(actor, Action.APPROVE)
    with app.session() as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        unreviewed = check_approvable(edition_id, language_state(plan), accept_machine)
        if unreviewed:
            accept_machine_texts(session, actor, edition_id, unreviewed)
        freeze(session, edition, plan, actor)
        return edition


def archive(app: App, actor: Actor, edition_id: int) -> list[Path]:
    """Publish a sent edition into the web archive (written once, never silently rewritten)."""
    require(actor, Action.SEND)
    with recorded_run(app, "archive") as run:
        with app.session(readonly=True) as session:
            edition = get_edition(session, edition_id)
            if edition.status != EditionStatus.SENT:
                raise EditionError(f"edition {edition_id} is {edition.status}: only a sent "
                                   "edition is archived")
            plan = current_plan(session, edition, app.settings.section_order)
        rendered = render_all(plan, max_bytes=None)
        published_at = edition.sent_at or datetime.now(UTC)
        written = write_archive(rendered, plan, app.settings.archive_dir,
                                edition_slug(edition), published_at=published_at,
                                base_url=archive_url(app))
        with app.session() as session:
            mark_archived(session, edition_id, actor=actor, files=len(written))
        run.stats.update(edition=edition_id, files=len(written))
    return written
