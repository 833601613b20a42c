"""Stored once: canonical URLs, content hashes, near-duplicate grouping (ADVERSARIAL 13)."""

from __future__ import annotations

import random

import pytest

from pipeline.collect.canonical import canonicalise_url, hash_content
from pipeline.collect.dedupe import group_near_duplicates

SAME_ARTICLE = [
    "https://example.org/news/soil-carbon",
    "http://example.org/news/soil-carbon",
    "https://example.org/news/soil-carbon/",
    "https://www.example.org/news/soil-carbon",
    "https://EXAMPLE.org:443/news/soil-carbon#top",
    "https://example.org/news/soil-carbon?utm_source=rss&utm_medium=feed&utm_campaign=x",
    "https://example.org/news/soil-carbon?fbclid=abc&gclid=def",
    "https://example.org/amp/news/soil-carbon",
    "https://example.org/news/soil-carbon/amp",
    "https://example.org/news/soil-carbon/amp/",
    "https://example.org/news/soil-carbon?amp=1",
    "https://amp.example.org/news/soil-carbon",
    "https://example-org.cdn.ampproject.org/c/s/example.org/news/soil-carbon",
]


@pytest.mark.parametrize("url", SAME_ARTICLE)
def test_spellings_of_one_article_share_a_canonical_url(url: str) -> None:
    assert canonicalise_url(url) == "https://example.org/news/soil-carbon"


def test_different_articles_keep_different_canonical_urls() -> None:
    urls = ["https://example.org/news/soil-carbon?id=1", "https://example.org/news/soil-carbon?id=2",
            "https://example.org/news/other", "https://example.net/news/soil-carbon",
            "https://example.org:8443/news/soil-carbon"]
    assert len({canonicalise_url(u) for u in urls}) == len(urls)
    assert canonicalise_url("https://example.org/a?b=2&a=1") == canonicalise_url(
        "https://example.org/a?a=1&b=2")


def test_content_hash_ignores_spacing_case_and_punctuation() -> None:
    a = hash_content("Soil Carbon", "Farmers store  carbon.\nIn soils!")
    assert a == hash_content("soil carbon", "Farmers store carbon in soils")
    assert a != hash_content("Soil Carbon", "Farmers store nitrogen in soils")
    assert a.startswith("sha256:")


STORY = ("The Food and Agriculture Organization said on Monday that soil organic carbon stocks "
         "in croplands could rise by up to four per thousand a year if farmers adopt cover crops, "
         "agroforestry and reduced tillage, according to a report presented in Rome to ministers "
         "from forty countries who met to discuss the financing of regenerative agriculture")


def test_agency_story_in_several_outlets_forms_one_group() -> None:
    rng = random.Random(7)
    words = STORY.split()
    items = [
        ("afp-lemonde", STORY),
        ("afp-figaro", STORY.replace("on Monday", "on Monday,") + " (AFP)"),
        ("afp-ouest", "ROME - " + STORY + ". Read more on our site."),
        ("other", " ".join(rng.sample(words, len(words)))),
        ("unrelated", "A completely different text about football results in the regional league "
                      "where the local team won three matches in a row during the autumn"),
        ("short", "Soil carbon"),
    ]
    groups = group_near_duplicates(items)
    assert groups == [["afp-lemonde", "afp-figaro", "afp-ouest"]]


def test_grouping_is_deterministic_and_refuses_duplicate_ids() -> None:
    items = [(f"id{n}", STORY + f" variant {n}") for n in range(5)]
    assert group_near_duplicates(items) == group_near_duplicates(list(items))
    assert group_near_duplicates(items) == [[f"id{n}" for n in range(5)]]
    with pytest.raises(ValueError, match="duplicate id"):
        group_near_duplicates([("a", STORY), ("a", STORY)])
