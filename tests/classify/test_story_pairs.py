"""Story linking within a language and across languages, on the hand-labelled story set
(tests/data/stories, see its README): reports of one event or study by several outlets, their
hard negatives, and the items of the classification sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.classify.stories import StoryCandidate, link_stories
from pipeline.classify.story_eval import LabelledStoryItem, evaluate_links, load_story_set

DATA = Path(__file__).resolve().parents[1] / "data"
FLOOR = {"same_precision": 0.92, "same_recall": 0.60, "cross_precision": 0.88,
         "cross_recall": 0.90, "precision": 0.90, "recall": 0.73}
"""Measured without translated titles (the pipeline has them; the benchmark adds them). Only
ever raise these."""


@pytest.fixture(scope="module")
def story_set() -> list[LabelledStoryItem]:
    return load_story_set(DATA)


@pytest.fixture(scope="module")
def by_id(story_set: list[LabelledStoryItem]) -> dict[str, StoryCandidate]:
    return {item.candidate.id: item.candidate for item in story_set}


def test_linking_keeps_its_precision_and_recall_on_the_labelled_set(
        story_set: list[LabelledStoryItem]) -> None:
    report = evaluate_links(story_set)
    same, cross, overall = report.same_language, report.cross_language, report.overall
    assert same.precision >= FLOOR["same_precision"], report.errors
    assert same.recall >= FLOOR["same_recall"], report.errors
    assert cross.precision >= FLOOR["cross_precision"], report.errors
    assert cross.recall >= FLOOR["cross_recall"], report.errors
    assert overall.precision >= FLOOR["precision"] and overall.recall >= FLOOR["recall"]


@pytest.mark.parametrize("dated", [True, False])
def test_the_index_finds_every_pair_that_comparing_all_pairs_finds(dated: bool) -> None:
    candidates = [item.candidate for item in load_story_set(DATA, dated=dated)]
    indexed = sorted(map(sorted, link_stories(candidates)))
    assert indexed == sorted(map(sorted, link_stories(candidates, exhaustive=True)))


def group_with(groups: list[list[str]], item_id: str) -> set[str]:
    return next(set(group) for group in groups if item_id in group)


def with_changes(items: list[LabelledStoryItem], item_id: str,
                 **changes: object) -> list[StoryCandidate]:
    """The set's candidates (a realistic background for the idf weights), one changed."""
    return [StoryCandidate(**{**_fields(i.candidate), **changes}) if i.candidate.id == item_id
            else i.candidate for i in items]


def test_two_outlets_reporting_one_study_are_one_story(
        story_set: list[LabelledStoryItem]) -> None:
    # Actu-Environnement (undated in the demo feed) and Agroperspectives (2 July 2019) on the
    # INRA « 4 pour 1000 » study presented on 13 June 2019: the example
    groups = link_stories(with_changes(story_set, "demo-fr-06", published_at=None))
    assert {"demo-fr-06", "demo-fr-08"} <= group_with(groups, "demo-fr-06")
    assert "demo-fr-07" not in group_with(groups, "demo-fr-06")  # the 2015 programme launch


def test_a_senate_vote_and_the_law_coming_into_force_are_two_stories(
        story_set: list[LabelledStoryItem]) -> None:
    groups = link_stories([item.candidate for item in story_set])
    assert "st-es-11" not in group_with(groups, "st-es-09")
    assert all(len(group_with(groups, i)) == 1 for i in ("st-es-12", "st-es-13", "st-es-14"))


def test_reports_of_one_outlet_are_not_linked_as_one_story(
        story_set: list[LabelledStoryItem], by_id: dict[str, StoryCandidate]) -> None:
    # without the other outlets' reports, which would join the two through themselves
    pool = [i for i in story_set if i.candidate.id not in ("st-es-03", "st-es-04", "st-es-05")]
    assert "st-es-02" in group_with(link_stories([i.candidate for i in pool]), "st-es-01")
    same_outlet = with_changes(pool, "st-es-02", source=by_id["st-es-01"].source)
    assert "st-es-02" not in group_with(link_stories(same_outlet), "st-es-01")


def test_an_undated_report_does_not_chain_stories_months_apart(
        story_set: list[LabelledStoryItem], by_id: dict[str, StoryCandidate]) -> None:
    vote = by_id["st-en-01"]
    assert vote.published_at is not None
    candidates = with_changes(story_set, "st-en-02", published_at=None)
    candidates = [StoryCandidate(**{**_fields(c), "published_at": vote.published_at
                                    + timedelta(days=120)}) if c.id == "st-en-03" else c
                  for c in candidates]
    groups = link_stories(candidates)
    assert "st-en-02" in group_with(groups, vote.id)
    assert "st-en-03" not in group_with(groups, vote.id)


def test_days_and_figures_are_evidence_only_within_the_period(
        story_set: list[LabelledStoryItem]) -> None:
    moved = with_changes(story_set, "st-en-02", published_at=datetime(2024, 7, 1, tzinfo=UTC))
    assert group_with(link_stories(moved), "st-en-02") == {"st-en-02"}


def _fields(candidate: StoryCandidate) -> dict[str, object]:
    return {name: getattr(candidate, name) for name in candidate.__slots__}
