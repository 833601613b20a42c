"""Job: detect language, classify, summarise and translate every item not yet processed,
then link the same story across languages.

Translation runs outside any write transaction: the translation memory is read in short
transactions and written, with the results, in one short transaction per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pipeline.app import App
from pipeline.classify import classify_item
from pipeline.classify.stories import StoryCandidate, link_stories
from pipeline.collect import group_near_duplicates
from pipeline.config import load_sources
from pipeline.jobs.collect import Progress, _no_progress
from pipeline.log import get_logger
from pipeline.records import LANGUAGES, Classification, ItemText, SourceSpec
from pipeline.settings import parse_pair_engines
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.models import Item, Story
from pipeline.store.models import ItemText as ItemTextRow
from pipeline.store.processing import (
    PendingItem,
    mark_items,
    pending_items,
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
        with self.app.session() as session:
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
            progress: Progress = _no_progress, translator: Translator | None = None
            ) -> ProcessReport:
    """Process every new item in batches; a failing item is marked failed, the rest go on."""
    by_id = {s.id: s for s in (specs if specs is not None
                               else load_sources(app.settings.sources_path))}
    with app.session() as session:
        run_id = start_run(session, "process").id
        total = len(pending_items(session, limit=1_000_000))
    log = get_logger(run_id=run_id, job="process")
    memory = BufferedMemory(app)
    translator = translator or build_translator(
        app.settings.translation_engines,
        glossary_path=app.settings.glossary_path if app.settings.glossary_path.is_file() else None,
        pair_engines=parse_pair_engines(app.settings.translation_pairs))
    if not app.settings.glossary_path.is_file():
        log.warning("glossary.missing", path=str(app.settings.glossary_path))
    translator.memory = memory
    report = ProcessReport(run_id=run_id)
    while True:
        with app.session() as session:
            batch = pending_items(session, limit=BATCH)
        if not batch:
            break
        labels = [classify_pending(item, by_id.get(item.source_id or "")) for item in batch]
        originals = [original_text(item, label) for item, label in zip(batch, labels,
                                                                       strict=True)]
        translations = translate_originals(translator, originals)
        with app.session() as session:
            for item, label, original, texts in zip(batch, labels, originals, translations,
                                                    strict=True):
                save_classification(session, item.id, label)
                save_item_text(session, item.id, original)
                for text in texts:
                    save_item_text(session, item.id, text)
                    report.translated += text.origin == "machine"
                    report.needs_translation += text.origin == "needs_translation"
                report.relevant += label.relevant
            memory.flush(SqlTranslationMemory(session))
            mark_items(session, [i.id for i in batch], "processed")
        report.processed += len(batch)
        progress(report.processed, total)
        log.info("process.batch", items=len(batch), done=report.processed, total=total)
    report.stories_linked = link_recent_stories(app)
    stats = {"processed": report.processed, "relevant": report.relevant,
             "translated": report.translated, "needs_translation": report.needs_translation,
             "stories": report.stories_linked}
    with app.session() as session:
        finish_run(session, run_id, "ok", stats)
    log.info("process.done", **stats)
    return report


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
