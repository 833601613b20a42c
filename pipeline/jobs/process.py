"""Job: detect language, classify, summarise and translate every item not yet processed,
then link the same story across languages.

Items are claimed in batches with a lease owned by the run (:mod:`pipeline.store.leases`),
renewed by the run's heartbeat while it works: a processor killed half-way strands nothing,
since the next run marks it dead and takes its batch over at once. Translation runs outside
any write transaction: the translation memory is read in short transactions and written, with
the results and the run's counts, in one short transaction per batch; results for an item
whose lease was taken over meanwhile are dropped, so an item is processed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.classify import classify_item
from pipeline.classify.stories import link_stories
from pipeline.classify.taxonomy import Taxonomy
from pipeline.collect import group_near_duplicates
from pipeline.config import load_sources
from pipeline.grouping import merge_groups
from pipeline.jobs.collect import Progress, no_progress
from pipeline.jobs.runs import RunRecord, recorded_run
from pipeline.permissions import SYSTEM, Action, Actor, require
from pipeline.records import LANGUAGES, Classification, ItemText, SourceSpec
from pipeline.states import TextState
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.processing import (
    PendingItem,
    claim_pending,
    count_pending,
    finish_items,
    held_items,
    mark_item_failed,
    save_classification,
)
from pipeline.store.runs import LEASE_SECONDS
from pipeline.store.stories import link_story_groups, load_story_items
from pipeline.store.texts import save_item_text
from pipeline.summary import make_headline, make_summary
from pipeline.teamfiles import glossary_path, team_taxonomy
from pipeline.translate import Translator, build_translator

STORY_WINDOW = timedelta(days=45)


@dataclass
class BufferedMemory:
    """The translator's memory: lookups in short transactions, writes kept for the batch's
    own transaction (so no write lock is held while an engine works)."""

    app: App
    pending: list[tuple[str, str, list[tuple[str, str]], str, str | None]] = field(
        default_factory=list)

    def lookup(self, src_lang: str, tgt_lang: str, segments: Sequence[str]) -> dict[str, str]:
        with self.app.session(readonly=True) as session:
            return SqlTranslationMemory(session).lookup(src_lang, tgt_lang, segments)

    def remember(self, src_lang: str, tgt_lang: str, pairs: Iterable[tuple[str, str]],
                 origin: str, engine: str | None) -> None:
        self.pending.append((src_lang, tgt_lang, list(pairs), origin, engine))

    def flush(self, memory: SqlTranslationMemory) -> None:
        for src_lang, tgt_lang, pairs, origin, engine in self.pending:
            memory.remember(src_lang, tgt_lang, pairs, origin, engine)
        self.pending.clear()


@dataclass(slots=True)
class ProcessReport:
    run_id: int
    processed: int = 0
    failed: int = 0
    relevant: int = 0
    translated: int = 0
    needs_translation: int = 0
    stories_linked: int = 0
    taken_over: int = 0
    """Items claimed by this run whose lease another run took over before the results were
    stored (their results were dropped: the other run stores its own)."""

    def stats(self) -> dict[str, int]:
        return {"processed": self.processed, "failed": self.failed, "relevant": self.relevant,
                "translated": self.translated, "needs_translation": self.needs_translation,
                "stories": self.stories_linked, "taken_over": self.taken_over}


def original_text(item: PendingItem, labels: Classification) -> ItemText:
    lang = labels.lang if labels.lang not in ("und", "") else (item.lang_hint or
                                                               item.source_lang or "und")
    title, summary = make_headline(item.title, item.summary, item.body, lang)
    return ItemText(lang=lang, title=title, summary=make_summary(summary, item.body, title, lang),
                    body=item.body, origin=TextState.ORIGINAL)


def classify_pending(item: PendingItem, spec: SourceSpec | None,
                     taxonomy: Taxonomy | None = None) -> Classification:
    return classify_item(
        item.title, item.body or item.summary,
        source_lang=item.lang_hint or (spec.lang if spec else item.source_lang),
        source_region=spec.region if spec else None,
        source_themes=spec.themes if spec else (),
        source_relevance=spec.relevance if spec else "check",
        source_country=spec.country if spec else None,
        categories=item.categories, taxonomy=taxonomy)


def translate_originals(translator: Translator, originals: Sequence[ItemText]
                        ) -> list[list[ItemText]]:
    """For each original, its texts in the publication languages it lacks (title and summary;
    the body stays in its language)."""
    results: list[list[ItemText]] = [[] for _ in originals]
    for target in LANGUAGES:
        indexes = [i for i, o in enumerate(originals) if o.lang != target]
        if not indexes:
            continue
        heads = [ItemText(lang=originals[i].lang, title=originals[i].title,
                          summary=originals[i].summary) for i in indexes]
        for i, translated in zip(indexes, translator.translate_items(heads, target),
                                 strict=True):
            results[i].append(translated)
    return results


def process(app: App, actor: Actor = SYSTEM, *, specs: Sequence[SourceSpec] | None = None,
            progress: Progress = no_progress, translator: Translator | None = None
            ) -> ProcessReport:
    """Process every new item in claimed batches; an item that fails is marked ``failed``
    with its error, the rest go on; the run is recorded as failed if the job itself stops."""
    require(actor, Action.EDIT)
    settings = app.settings
    with recorded_run(app, "process") as run:
        by_id = {s.id: s for s in (specs if specs is not None
                                   else load_sources(settings.sources_path))}
        translator = translator or build_translator(
            settings.translation_engines, glossary_path=glossary_path(settings),
            pair_engines=settings.pair_engines)
        with app.session(readonly=True) as session:
            total = count_pending(session)
        report = ProcessReport(run_id=run.id)
        taxonomy = team_taxonomy(settings)  # the team's edits (pipeline.teamfiles)
        memory = BufferedMemory(app)
        translator.memory = memory
        while True:
            with app.session() as session:
                batch = claim_pending(session, settings.process_batch_size, owner=run.owner,
                                      lease_seconds=LEASE_SECONDS)
            if not batch:
                break
            process_batch(app, batch, by_id, translator, memory, report, run,
                          taxonomy=taxonomy)
            progress(report.processed + report.failed, max(total, report.processed))
        report.stories_linked = link_recent_stories(app)
        run.stats.update(report.stats())
        run.log.info("process.done", **report.stats())
    return report


def label_and_summarise(item: PendingItem, spec: SourceSpec | None,
                        taxonomy: Taxonomy | None = None) -> tuple[Classification, ItemText]:
    labels = classify_pending(item, spec, taxonomy)
    return labels, original_text(item, labels)


def prepare_batch(batch: Sequence[PendingItem], by_id: dict[str, SourceSpec],
                  translator: Translator, taxonomy: Taxonomy | None = None
                  ) -> tuple[list[tuple[PendingItem, Classification, ItemText, list[ItemText]]],
                             dict[int, str]]:
    """Classify and translate a batch (no transaction held); one bad item fails alone."""
    done: list[tuple[PendingItem, Classification, ItemText, list[ItemText]]] = []
    failed: dict[int, str] = {}
    prepared = []
    for item in batch:
        try:
            prepared.append((item, *label_and_summarise(item, by_id.get(item.source_id or ""),
                                                        taxonomy)))
        except Exception as exc:  # one bad item must not stop the others
            failed[item.id] = f"classification failed: {exc!r}"
    try:
        translations = translate_originals(translator, [p[2] for p in prepared])
        done = [(*p, t) for p, t in zip(prepared, translations, strict=True)]
    except Exception:
        for entry in prepared:  # find the item that breaks the batch
            try:
                done.append((*entry, translate_originals(translator, [entry[2]])[0]))
            except Exception as exc:
                failed[entry[0].id] = f"translation failed: {exc!r}"
    return done, failed


def process_batch(app: App, batch: Sequence[PendingItem], by_id: dict[str, SourceSpec],
                  translator: Translator, memory: BufferedMemory, report: ProcessReport,
                  run: RunRecord, *, taxonomy: Taxonomy | None = None) -> None:
    """Classify and translate one claimed batch, then store it in one short transaction with
    the run's counts (only the items this run still holds)."""
    done, failed = prepare_batch(batch, by_id, translator, taxonomy)
    with app.session() as session:
        held = held_items(session, [item.id for item in batch], owner=run.owner)
        kept = [entry for entry in done if entry[0].id in held]
        for item, label, original, texts in kept:
            save_classification(session, item.id, label)
            save_item_text(session, item.id, original)
            for text in texts:
                save_item_text(session, item.id, text)
                report.translated += text.origin == TextState.MACHINE
                report.needs_translation += text.origin == TextState.NEEDS_TRANSLATION
            report.relevant += label.relevant
        memory.flush(SqlTranslationMemory(session))
        finish_items(session, [entry[0].id for entry in kept], owner=run.owner)
        kept_failed = {i: e for i, e in failed.items() if i in held}
        for item_id, error in kept_failed.items():
            mark_item_failed(session, item_id, error, owner=run.owner)
        report.processed += len(kept)
        report.failed += len(kept_failed)
        report.taken_over += len(batch) - len(held)
        run.stats.update(report.stats())
        run.save_stats(session)
    for item_id, error in kept_failed.items():
        run.log.warning("item.failed", item_id=item_id, error=error)
    run.log.info("process.batch", items=len(batch), processed=report.processed,
                 failed=report.failed)


def link_recent_stories(app: App, now_at: datetime | None = None) -> int:
    """Link items that report the same event (across languages, and within a language across
    outlets) into stories; returns how many items joined a story of several items."""
    since_at = (now_at or datetime.now(UTC)) - STORY_WINDOW
    with app.session(readonly=True) as session:
        items = load_story_items(session, since_at)
    near_duplicates = group_near_duplicates((i.id, f"{i.title}\n{i.text}") for i in items)
    groups = merge_groups([*near_duplicates, *link_stories(items)])
    if not groups:
        return 0
    with app.session() as session:
        return link_story_groups(session, [[int(x) for x in group] for group in groups])


__all__ = ["ProcessReport", "merge_groups", "process"]
