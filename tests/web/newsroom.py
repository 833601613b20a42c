"""A week of stored items for the web app's tests, and the editions drafted from them.

The render fixture's 13 items in French, English and Spanish (the first with a hostile English
title), three more relevant articles of the demo set, four near misses and two items the
classifier rejected from the labelled general-news set: every one classified by the real
classifier (its evidence is what the inbox shows), stored with its source and its texts. The
items of the render fixture keep their labels and texts; the others keep the classifier's
labels and have their own language only (the others wait for a translator).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pipeline.classify import classify_item
from pipeline.demo.site import load_demo_articles
from pipeline.draft import Candidate, LocalText, draft_newsletter, draft_press_review
from pipeline.jobs.editions import keep_plan
from pipeline.permissions import SYSTEM
from pipeline.records import LANGUAGES, Classification, LanguageState
from pipeline.states import EditionStatus, ItemStatus, TextState
from pipeline.store.models import Classification as StoredClassification
from pipeline.store.models import Item, ItemText, Source
from tests.render.fixtures import (
    load_fixture,
    make_candidates,
    make_events,
    make_figures,
    make_texts,
)

GENERAL = Path(__file__).resolve().parents[1] / "data" / "classify" / "general_blind_items.jsonl"
EXTRA_RELEVANT = ("fr-01", "en-05", "es-02")
NEAR_MISSES = ("g-fr-023", "g-es-050", "g-es-095", "g-en-151")
"""The general-outlet items the relevance model rejects within its "to check" band (all four
of that file: a model retrained may change them; tests/web/test_inbox_web.py checks them)."""
REJECTED = ("g-en-004", "g-en-007")
FIRST_ID = {"fixture": 100, "extra": 120, "near": 130, "rejected": 140}
FALLBACK = "robots.txt disallows the article page: the feed's summary is kept"


@cache
def classified(title: str, text: str, lang: str) -> Classification:
    return classify_item(title, text, source_lang=lang)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "source"


@cache
def general_items() -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in GENERAL.read_text(encoding="utf-8").splitlines())
    return {row["id"]: row for row in rows if row["id"] in (*NEAR_MISSES, *REJECTED)}


def fixture_candidates(hostile_title: str) -> list[Candidate]:
    candidates = [replace(c, item_id=str(FIRST_ID["fixture"] + i),
                          story_id=str(FIRST_ID["fixture"] + i))
                  for i, c in enumerate(make_candidates(load_fixture()))]
    hostile = dict(candidates[0].texts)
    hostile["en"] = replace(hostile["en"], title=hostile_title)
    candidates[0] = replace(candidates[0], texts=hostile)
    return candidates


def add_item(db: Session, item_id: int, *, title: str, summary: str, lang: str, url: str,
             source: str, published_at: datetime, labels: Classification,
             texts: dict[str, LocalText], fallback: str | None = None) -> None:
    source_id = slug(source)
    if db.get(Source, source_id) is None:
        db.add(Source(id=source_id, name=source, url=f"https://{source_id}.example/feed",
                      kind="feed", lang=lang, warnings=[]))
        db.flush()
    db.add(Item(id=item_id, source_id=source_id, url=url, canonical_url=f"{url}#{item_id}",
                content_hash=f"sha256:{item_id:064x}", title=title, summary=summary,
                original_lang=lang, lang_hint=lang, published_at=published_at,
                fetched_at=published_at, status=ItemStatus.PROCESSED, warnings=[],
                fallback=fallback))
    db.flush()
    db.add(StoredClassification(item_id=item_id, lang=lang, relevant=labels.relevant,
                                relevance_score=labels.relevance_score,
                                themes=list(labels.themes), regions=list(labels.regions),
                                evidence=dict(labels.evidence)))
    for code in LANGUAGES:
        text = texts.get(code) or LocalText("", "", TextState.NEEDS_TRANSLATION)
        db.add(ItemText(item_id=item_id, lang=code, title=text.title, summary=text.summary,
                        state=TextState(text.origin), flags=[]))


def store_week(db: Session, hostile_title: str) -> dict[str, int]:
    """Store the week's items and draft the site's three editions; their ids by
    ``kind/status``."""
    data = load_fixture()
    since_at = datetime.fromisoformat(data["period"]["since_at"])
    candidates = fixture_candidates(hostile_title)
    for candidate in candidates:
        own = candidate.texts[candidate.original_lang]
        labels = classified(own.title, own.summary, candidate.original_lang)
        labels = replace(labels, relevant=True, themes=candidate.themes,
                         regions=candidate.regions)
        assert candidate.published_at is not None
        add_item(db, int(candidate.item_id), title=own.title, summary=own.summary,
                 lang=candidate.original_lang, url=candidate.url, source=candidate.source_name,
                 published_at=candidate.published_at, labels=labels, texts=dict(candidate.texts),
                 fallback=FALLBACK if candidate.item_id == "104" else None)
    articles = {a.id: a for a in load_demo_articles()}
    extras = [(FIRST_ID["extra"] + i, articles[key].title[:200], articles[key].text[:400],
               articles[key].lang, articles[key].url, articles[key].source)
              for i, key in enumerate(EXTRA_RELEVANT)]
    general = general_items()
    extras += [(FIRST_ID[group] + i, general[key]["title"], general[key]["text"],
                general[key]["lang"], general[key]["url"] + f"?id={key}", general[key]["source"])
               for group, keys in (("near", NEAR_MISSES), ("rejected", REJECTED))
               for i, key in enumerate(keys)]
    for offset, (item_id, title, text, lang, url, source) in enumerate(extras):
        labels = classified(title, text, lang)
        add_item(db, item_id, title=title, summary=text, lang=lang, url=url, source=source,
                 published_at=since_at + timedelta(days=1, hours=offset), labels=labels,
                 texts={lang: LocalText(title, text, TextState.ORIGINAL)})
    db.flush()
    return draft_editions(db, candidates, data)


def draft_editions(db: Session, candidates: list[Candidate], data: dict[str, Any]
                   ) -> dict[str, int]:
    since_at = datetime.fromisoformat(data["period"]["since_at"])
    until_at = datetime.fromisoformat(data["period"]["until_at"])
    now_at = datetime.now(UTC)
    review = draft_press_review(candidates, since_at=since_at, until_at=until_at)
    newsletter = draft_newsletter(
        candidates, make_events(data), since_at=since_at,
        until_at=datetime.fromisoformat(data["period"]["newsletter_until_at"]),
        editorial=make_texts(data["editorial"]), key_figures=make_figures(data))
    last_week = draft_press_review(candidates[-1:], since_at=since_at - timedelta(7),
                                   until_at=until_at)
    state = {"fr": LanguageState(), "en": LanguageState(unreviewed=("101", "102")),
             "es": LanguageState(missing=("103",))}
    drafted = keep_plan(db, review, actor=SYSTEM, now_at=now_at, state=state)
    approved = keep_plan(db, newsletter, actor=SYSTEM, now_at=now_at)
    approved.status, approved.approved_by, approved.approved_at = (
        EditionStatus.APPROVED, "approver", now_at)
    sent = keep_plan(db, last_week, actor=SYSTEM, now_at=now_at)
    sent.status, sent.sent_at = EditionStatus.SENT, now_at
    sent.period_start_at, sent.period_end_at = since_at - timedelta(7), until_at - timedelta(7)
    db.flush()
    return {f"{e.kind}/{e.status}": e.id for e in (drafted, approved, sent)}
