"""The fixed editions of the render tests and golden files, built from tests/data/render/."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.draft import (
    Candidate,
    EditionPlan,
    Event,
    KeyFigure,
    LocalText,
    draft_newsletter,
    draft_press_review,
)
from pipeline.records import LANGUAGES
from pipeline.render import EditionLinks

DATA = Path(__file__).resolve().parents[1] / "data" / "render" / "edition-fixture.json"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def load_fixture() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def make_texts(raw: dict[str, dict[str, str]]) -> dict[str, LocalText]:
    return {lang: LocalText(t["title"], t["summary"], t["origin"])  # type: ignore[arg-type]
            for lang, t in raw.items()}


def make_candidates(data: dict[str, Any]) -> list[Candidate]:
    return [
        Candidate(
            item_id=raw["item_id"], story_id=raw.get("story_id", raw["item_id"]),
            source_name=raw["source_name"], url=raw["url"], original_lang=raw["original_lang"],
            published_at=datetime.fromisoformat(raw["published_at"]), relevant=True,
            themes=tuple(raw["themes"]), regions=tuple(raw["regions"]),
            texts=make_texts(raw["texts"]), outlets_count=raw.get("outlets_count", 1),
            kind=raw["kind"],
        )
        for raw in data["candidates"]
    ]


def make_events(data: dict[str, Any]) -> list[Event]:
    return [
        Event(event_id=raw["event_id"], texts=make_texts(raw["texts"]),
              starts_at=datetime.fromisoformat(raw["starts_at"]),
              ends_at=datetime.fromisoformat(raw["ends_at"]) if raw["ends_at"] else None,
              place=raw["place"], url=raw["url"])
        for raw in data["events"]
    ]


def make_figures(data: dict[str, Any]) -> list[KeyFigure]:
    return [KeyFigure(raw["figure_id"], raw["value"], make_texts(raw["texts"]),
                      raw["source_name"], raw["source_url"]) for raw in data["key_figures"]]


def press_review_plan() -> EditionPlan:
    data = load_fixture()
    return draft_press_review(
        make_candidates(data), since_at=datetime.fromisoformat(data["period"]["since_at"]),
        until_at=datetime.fromisoformat(data["period"]["until_at"]))


def newsletter_plan() -> EditionPlan:
    data = load_fixture()
    return draft_newsletter(
        make_candidates(data), make_events(data),
        since_at=datetime.fromisoformat(data["period"]["since_at"]),
        until_at=datetime.fromisoformat(data["period"]["newsletter_until_at"]),
        editorial=make_texts(data["editorial"]), key_figures=make_figures(data))


def make_links(publication: str) -> dict[str, EditionLinks]:
    base = "https://4p1000.example"
    return {
        lang: EditionLinks(
            web_url=f"{base}/archive/{publication}/{lang}/fixture.html",
            unsubscribe_url=f"{base}/unsubscribe?token=TOKEN&lang={lang}",
            preferences_url=f"{base}/preferences?token=TOKEN&lang={lang}",
            ical_url=f"{base}/archive/{publication}/{lang}/fixture.ics"
            if publication == "newsletter" else "",
        )
        for lang in LANGUAGES
    }
