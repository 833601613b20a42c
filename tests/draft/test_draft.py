"""Drafting: selection, story merging, ranking, grouping, sections, reproducibility."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.draft import (
    AlsoIn,
    Candidate,
    Event,
    LocalText,
    draft_newsletter,
    draft_press_review,
    plan_to_json,
)
from pipeline.errors import EditionError
from pipeline.states import TextState
from tests.render.fixtures import load_fixture, make_candidates, make_events, make_figures

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)


def make(item_id: str, **changes: object) -> Candidate:
    values: dict[str, object] = {
        "item_id": item_id, "story_id": item_id, "source_name": "Outlet", "original_lang": "en",
        "url": f"https://news.example/{item_id}", "published_at": SINCE + timedelta(days=3),
        "relevant": True, "themes": ("soil-carbon",), "regions": ("africa",),
        "texts": {lang: LocalText(f"{item_id} {lang}", "s", TextState.REVIEWED)
                  for lang in ("fr", "en", "es")},
    }
    values.update(changes)
    return Candidate(**values)  # type: ignore[arg-type]


def test_same_inputs_in_any_order_give_identical_bytes() -> None:
    data = load_fixture()
    candidates = make_candidates(data)
    first = plan_to_json(draft_newsletter(candidates, make_events(data), since_at=SINCE,
                                          until_at=UNTIL, key_figures=make_figures(data)))
    shuffled = list(candidates)
    random.Random(4).shuffle(shuffled)
    events = list(reversed(make_events(data)))
    second = plan_to_json(draft_newsletter(shuffled, events, since_at=SINCE, until_at=UNTIL,
                                           key_figures=list(reversed(make_figures(data)))))
    assert first == second
    review = [plan_to_json(draft_press_review(c, since_at=SINCE, until_at=UNTIL))
              for c in (candidates, shuffled)]
    assert review[0] == review[1]


def test_only_relevant_unpublished_items_of_the_period() -> None:
    candidates = [
        make("kept"),
        make("irrelevant", relevant=False),
        make("too-old", published_at=SINCE - timedelta(seconds=1)),
        make("at-end", published_at=UNTIL),
        make("published"),
        make("undated", published_at=None),
        make("collected", published_at=None, collected_at=SINCE + timedelta(days=1)),
    ]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL,
                              published_ids=frozenset({"published"}))
    assert sorted(e.item_id for e in plan.entries) == ["collected", "kept"]
    assert any("undated" in warning for warning in plan.warnings)


def test_one_entry_per_story_with_also_in_links() -> None:
    candidates = [
        make("a-en", story_id="s", source_weight=1.0),
        make("a-fr", story_id="s", original_lang="fr", source_weight=2.0, source_name="Le Média"),
        make("a-es", story_id="s", original_lang="es", url="https://es.example/a"),
        make("b", story_id="t", published_at=SINCE + timedelta(days=5)),
    ]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL)
    entries = {e.story_id: e for e in plan.entries}
    assert len(plan.entries) == 2
    story = entries["s"]
    assert story.item_id == "a-fr"  # the best-weighted source leads
    assert story.outlets_count == 3
    assert story.also_in == (AlsoIn("en", "https://news.example/a-en", "Outlet"),
                             AlsoIn("es", "https://es.example/a", "Outlet"))


def test_a_story_already_published_in_one_language_is_left_out() -> None:
    candidates = [make("x-en", story_id="x"), make("x-fr", story_id="x", original_lang="fr")]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL,
                              published_ids=frozenset({"x-fr"}))
    assert plan.entries == ()


def test_ranking_uses_recency_outlets_source_and_theme() -> None:
    base = SINCE + timedelta(days=2)
    candidates = [
        make("old", published_at=base),
        make("recent", published_at=base + timedelta(days=3)),
        make("many-outlets", published_at=base, outlets_count=8),
        make("weighty", published_at=base, source_weight=3.0),
        make("low-theme", published_at=base, themes=("finance",)),
    ]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL)
    rank = {e.item_id: e.rank for e in plan.entries}
    assert rank["recent"] < rank["old"]
    assert rank["many-outlets"] < rank["old"]
    assert rank["weighty"] < rank["old"]
    assert rank["old"] < rank["low-theme"]


def test_press_review_grouped_by_theme_then_region() -> None:
    candidates = [
        make("p1", themes=("policy",), regions=("europe",)),
        make("s1", themes=("soil-carbon",), regions=("oceania",)),
        make("s2", themes=("soil-carbon",), regions=("africa",),
             published_at=SINCE + timedelta(days=1)),
        make("s3", themes=("soil-carbon", "policy"), regions=("nowhere",)),
    ]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL)
    assert [s.id for s in plan.sections] == ["theme-soil-carbon", "theme-policy"]
    soil = plan.sections[0]
    assert [(e.item_id, e.group) for e in soil.entries] == [
        ("s2", "africa"), ("s1", "oceania"), ("s3", "global")]


def test_newsletter_sections_in_context_order_and_empty_ones_left_out() -> None:
    data = load_fixture()
    until = datetime.fromisoformat(data["period"]["newsletter_until_at"])
    plan = draft_newsletter(make_candidates(data), make_events(data), since_at=SINCE,
                            until_at=until, editorial={"en": LocalText("E", "body")},
                            key_figures=make_figures(data))
    assert [s.id for s in plan.sections] == [
        "editorial", "initiative", "partners", "success-stories", "key-figures",
        "practical-sheets", "agenda", "from-the-press"]
    partners = next(s for s in plan.sections if s.id == "partners")
    assert [e.group for e in partners.entries] == [
        "africa", "latin-america-caribbean", "oceania"]
    agenda = next(s for s in plan.sections if s.id == "agenda")
    assert [e.event_id for e in agenda.events] == [
        "world-soil-day-2026", "regional-meeting-lac-2027"]  # the past event is left out
    bare = draft_newsletter([make("only-press")], [], since_at=SINCE, until_at=UNTIL)
    assert [s.id for s in bare.sections] == ["from-the-press"]
    assert "no editorial" in bare.warnings


def test_agenda_keeps_an_event_still_running_and_drops_far_future() -> None:
    texts = {"en": LocalText("t")}
    events = [
        Event("running", texts, UNTIL - timedelta(days=1), UNTIL + timedelta(days=1)),
        Event("far", texts, UNTIL + timedelta(days=400)),
    ]
    plan = draft_newsletter([], events, since_at=SINCE, until_at=UNTIL)
    assert [e.event_id for s in plan.sections for e in s.events] == ["running"]


@pytest.mark.parametrize(
    ("since_at", "until_at"),
    [(UNTIL, SINCE), (SINCE.replace(tzinfo=None), UNTIL)],
)
def test_bad_period_is_refused(since_at: datetime, until_at: datetime) -> None:
    with pytest.raises(EditionError):
        draft_press_review([], since_at=since_at, until_at=until_at)


def test_plan_round_trips_through_json() -> None:
    from pipeline.draft import plan_from_json

    data = load_fixture()
    until = datetime.fromisoformat(data["period"]["newsletter_until_at"])
    plan = draft_newsletter(make_candidates(data), make_events(data), since_at=SINCE,
                            until_at=until, editorial={"en": LocalText("E", "body")},
                            key_figures=make_figures(data))
    document = plan_to_json(plan)
    assert plan_from_json(document) == plan
    assert plan_to_json(plan_from_json(document)) == document
    with pytest.raises(EditionError, match="not a valid edition plan"):
        plan_from_json('{"kind": "newsletter"}')


def test_items_with_no_theme_go_to_other_news_and_the_initiative_comes_first() -> None:
    candidates = [make("a", themes=()), make("b", themes=("initiative",)),
                  make("c", themes=("policy",))]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL)
    ids = [s.id for s in plan.sections]
    assert ids == ["theme-initiative", "theme-policy", "theme-other"]
    assert [e.item_id for e in plan.sections[-1].entries] == ["a"]


def test_section_order_is_a_setting() -> None:
    candidates = [make("a", themes=()), make("b", themes=("initiative",)),
                  make("c", themes=("policy",))]
    plan = draft_press_review(candidates, since_at=SINCE, until_at=UNTIL,
                              section_order=("other", "policy"))
    assert [s.id for s in plan.sections] == ["theme-other", "theme-policy", "theme-initiative"]
    with pytest.raises(EditionError, match="unknown section 'sport'"):
        draft_press_review(candidates, since_at=SINCE, until_at=UNTIL, section_order=("sport",))
