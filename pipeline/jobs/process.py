"""Job: detect language, classify, summarise and translate every item not yet processed,
then link the same story across languages.

Translation runs outside any write transaction: the translation memory is read in short
transactions and written, with the results, in one short transaction per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from pipeline.app import App
from pipeline.classify import classify_item
from pipeline.classify.stories import StoryCandidate, link_stories
from pipeline.collect import group_near_duplicates
from pipeline.config import load_sources
from pipeline.jobs.collect import Progress, no_progress
from pipeline.log import get_logger
from pipeline.records import LANGUAGES, Classification, ItemText, SourceSpec
from pipeline.settings import parse_pair_engines
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.models import Item, Story
from pipeline.store.models import ItemText as ItemTextRow
from pipeline.store.processing import (
    PendingItem,
    claim_pending,
    count_pending,
    mark_item_failed,
    mark_items,
    save_classification,
    save_item_text,
)
from pipeline.store.runs import finish_run, start_run
from pipeline.summary import make_summary
from pipeline.translate import Translator, build_translator

BATCH = 100
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


def original_text(item: PendingItem, labels: Classification) -> ItemText:
    lang = labels.lang if labels.lang not in ("und", "") else (item.lang_hint or
                                                               item.source_lang or "und")
    return ItemText(lang=lang, title=item.title,
                    summary=make_summary(item.summary, item.body, item.title), body=item.body,
                    origin="original")


def classify_pending(item: PendingItem, spec: SourceSpec | None) -> Classification:
    return classify_item(
        item.title, item.body or item.summary,
        source_lang=item.lang_hint or (spec.lang if spec else item.source_lang),
        source_region=spec.region if spec else None,
        source_themes=spec.themes if spec else (),
        source_relevance=spec.relevance if spec else "check")


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


def process(app: App, *, specs: Sequence[SourceSpec] | None = None,
            progress: Progress = no_progress, translator: Translator | None = None
            ) -> ProcessReport:
    """Process every new item in claimed batches; an item that fails is marked ``failed``
    with its error, the rest go on; the run is recorded as failed if the job itself stops."""
    by_id = {s.id: s for s in (specs if specs is not None
                               else load_sources(app.settings.sources_path))}
    with app.session() as session:
        run_id = start_run(session, "process").id
        total = count_pending(session)
    log = get_logger(run_id=run_id, job="process")
    report = ProcessReport(run_id=run_id)
    try:
        translator = translator or build_translator(
            app.settings.translation_engines,
            glossary_path=(app.settings.glossary_path if app.settings.glossary_path.is_file()
                           else None),
            pair_engines=parse_pair_engines(app.settings.translation_pairs))
        if not app.settings.glossary_path.is_file():
            log.warning("glossary.missing", path=str(app.settings.glossary_path))
        memory = BufferedMemory(app)
        translator.memory = memory
        while True:
            with app.session() as session:
                batch = claim_pending(session, BATCH, datetime.now(UTC))
            if not batch:
                break
            process_batch(app, batch, by_id, translator, memory, report, log)
            progress(report.processed + report.failed, max(total, report.processed))
        report.stories_linked = link_recent_stories(app)
    except BaseException as exc:
        with app.session() as session:
            finish_run(session, run_id, "failed", report_stats(report), error=str(exc))
        raise
    with app.session() as session:
        finish_run(session, run_id, "ok", report_stats(report))
    log.info("process.done", **report_stats(report))
    return report


def report_stats(report: ProcessReport) -> dict[str, int]:
    return {"processed": report.processed, "failed": report.failed, "relevant": report.relevant,
            "translated": report.translated, "needs_translation": report.needs_translation,
            "stories": report.stories_linked}


def label_and_summarise(item: PendingItem, spec: SourceSpec | None
                        ) -> tuple[Classification, ItemText]:
    labels = classify_pending(item, spec)
    return labels, original_text(item, labels)


def process_batch(app: App, batch: Sequence[PendingItem], by_id: dict[str, SourceSpec],
                  translator: Translator, memory: BufferedMemory, report: ProcessReport,
                  log: Any) -> None:
    """Classify and translate one claimed batch, then store it in one short transaction."""
    done: list[tuple[PendingItem, Classification, ItemText, list[ItemText]]] = []
    failed: dict[int, str] = {}
    prepared = []
    for item in batch:
        try:
            prepared.append((item, *label_and_summarise(item, by_id.get(item.source_id or ""))))
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
    with app.session() as session:
        for item, label, original, texts in done:
            save_classification(session, item.id, label)
            save_item_text(session, item.id, original)
            for text in texts:
                save_item_text(session, item.id, text)
                report.translated += text.origin == "machine"
                report.needs_translation += text.origin == "needs_translation"
            report.relevant += label.relevant
        memory.flush(SqlTranslationMemory(session))
        mark_items(session, [entry[0].id for entry in done], "processed")
        for item_id, error in failed.items():
            mark_item_failed(session, item_id, error)
    for item_id, error in failed.items():
        log.warning("item.failed", item_id=item_id, error=error)
    report.processed += len(done)
    report.failed += len(failed)
    log.info("process.batch", items=len(batch), processed=report.processed,
             failed=report.failed)


def merge_groups(groups: Iterable[Sequence[str]]) -> list[list[str]]:
    """Union of overlapping groups (the same agency story in two outlets, and its translation
    in a third, make one story); only groups of two or more are returned."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        for other in group[1:]:
            parent[find(other)] = find(group[0])
        if group:
            find(group[0])
    merged: dict[str, list[str]] = {}
    for member in parent:
        merged.setdefault(find(member), []).append(member)
    return sorted((sorted(g, key=int) for g in merged.values() if len(g) > 1),
                  key=lambda g: int(g[0]))


def link_recent_stories(app: App, now_at: datetime | None = None) -> int:
    """Link items about the same event (across languages) into stories; returns how many
    items joined a story of several items."""
    since_at = (now_at or datetime.now(UTC)) - STORY_WINDOW
    with app.session() as session:
        items = session.execute(
            select(Item.id, Item.original_lang, Item.title, Item.summary, Item.published_at,
                   Item.fetched_at, Item.story_id)
            .where(Item.status == "processed", Item.fetched_at >= since_at)).all()
        titles: dict[int, dict[str, str]] = {}
        for item_id, lang, title in session.execute(
                select(ItemTextRow.item_id, ItemTextRow.lang, ItemTextRow.title)
                .where(ItemTextRow.item_id.in_([i.id for i in items]))):
            titles.setdefault(item_id, {})[lang] = title
    candidates = [StoryCandidate(id=str(i.id), lang=i.original_lang or "und", title=i.title,
                                 text=i.summary, published_at=i.published_at or i.fetched_at,
                                 translated_titles=titles.get(i.id, {})) for i in items]
    near_duplicates = group_near_duplicates(
        (str(i.id), f"{i.title}\n{i.summary}") for i in items)
    groups = merge_groups([*near_duplicates, *link_stories(candidates)])
    current = {i.id: i.story_id for i in items}
    joined = 0
    with app.session() as session:
        for group in groups:
            ids = [int(x) for x in group]
            existing = sorted({current[i] for i in ids if current[i] is not None})
            if existing:
                story_id = existing[0]
            else:
                story = Story(created_at=datetime.now(UTC))
                session.add(story)
                session.flush()
                story_id = story.id
            for row in session.scalars(select(Item).where(Item.id.in_(ids))):
                row.story_id = story_id
            joined += len(ids)
    return joined


__all__ = ["ProcessReport", "mark_items", "process"]
