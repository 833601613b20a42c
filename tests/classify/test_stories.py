"""Cross-language story linking on real parallel news (NTREX-128) and on-topic articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.classify.stories import StoryCandidate, link_stories

SAME_EVENT = {"nytimes.184837": "indonesia", "euronews-en.153835": "indonesia"}
"""Two NTREX documents report the same tsunami: linking them is right."""
SAME_STUDY = {"demo-fr-06": "inra-2019", "demo-fr-08": "inra-2019"}
"""Actu-Environnement and Agroperspectives report the same INRA study."""


def story_of(item_id: str) -> str:
    if not item_id.startswith("ntrex-"):
        return SAME_STUDY.get(item_id, item_id)
    doc_id = item_id.removeprefix("ntrex-").rsplit("-", 2)[0]
    return SAME_EVENT.get(doc_id, doc_id)


def candidates(items: list[dict[str, object]], prefix: str) -> list[StoryCandidate]:
    return [
        StoryCandidate(str(i["id"]), str(i["lang"]), str(i["title"]), str(i["text"]))
        for i in items
        if str(i["id"]).startswith(prefix)
    ]


def test_translations_of_the_same_article_are_one_story(
    labelled_items: list[dict[str, object]],
) -> None:
    items = candidates(labelled_items, "ntrex-") + candidates(labelled_items, "demo-")
    groups = link_stories(items)
    assert sorted(i for g in groups for i in g) == sorted(c.id for c in items)
    group_of = {item_id: n for n, group in enumerate(groups) for item_id in group}
    parts = {item.id.rsplit("-", 1)[0] for item in items if item.id.startswith("ntrex-")}
    split = [part for part in parts
             if len({group_of[f"{part}-{lang}"] for lang in ("fr", "en", "es")}) > 1]
    # one known miss without translated titles: the Spanish version of bbc.381790 writes
    # "Miembros de la Asamblea" for "AMs" and shares too little with the other two
    assert split == ["ntrex-bbc.381790-1"]
    for group in groups:
        assert len({story_of(i) for i in group}) == 1, group


def test_news_of_different_stories_in_one_language_are_not_linked(
        labelled_items: list[dict[str, object]]) -> None:
    english = [c for c in candidates(labelled_items, "ntrex-") if c.lang == "en"]
    assert all(len(group) == 1 for group in link_stories(english))


def test_translated_title_links_an_item_without_shared_names() -> None:
    english = StoryCandidate("en", "en", "Farmers adopt cover crops to store soil carbon", "")
    translated = {"en": "Farmers adopt cover crops to store carbon"}
    title = "Los productores adoptan cultivos de cobertura"
    spanish = StoryCandidate("es", "es", title, "", translated_titles=translated)
    assert link_stories([english, spanish]) == [["en", "es"]]
    untranslated = StoryCandidate("es", "es", "Los productores adoptan cultivos de cobertura", "")
    assert link_stories([english, untranslated]) == [["en"], ["es"]]


def test_items_far_apart_in_time_are_not_linked(labelled_items: list[dict[str, object]]) -> None:
    pair = [c for c in candidates(labelled_items, "ntrex-bbc.381790-1-") if c.lang in ("fr", "en")]
    start = datetime(2019, 1, 1, tzinfo=UTC)
    dated = [
        StoryCandidate(c.id, c.lang, c.title, c.text, published_at=start + timedelta(days=30 * n))
        for n, c in enumerate(pair)
    ]
    assert len(link_stories(pair)) == 1
    assert len(link_stories(dated)) == 2


def test_empty_and_bad_items_are_their_own_groups() -> None:
    items = [
        StoryCandidate("a", "fr", "", ""),
        StoryCandidate("b", "en", "<p>", "\x00" * 10),
        StoryCandidate("c", "und", "ภาษาไทย", "x" * 1_000_000),
    ]
    assert link_stories(items) == [["a"], ["b"], ["c"]]
    assert link_stories([]) == []


def test_naive_and_aware_dates_can_be_mixed(labelled_items: list[dict[str, object]]) -> None:
    pair = [c for c in candidates(labelled_items, "ntrex-bbc.381790-1-") if c.lang in ("fr", "en")]
    naive = datetime(2019, 1, 1)
    aware = datetime(2019, 1, 2, tzinfo=UTC)
    dated = [
        StoryCandidate(c.id, c.lang, c.title, c.text, published_at=when)
        for c, when in zip(pair, (naive, aware), strict=True)
    ]
    assert len(link_stories(dated)) == 1
