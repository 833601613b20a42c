"""classify_item on real items and on bad input: always a result, with evidence."""

from __future__ import annotations

import json

import pytest

from pipeline.classify import classify_item
from pipeline.records import REGIONS, THEMES, Classification

SAHEL_TITLE = "La Grande Muraille Verte : un espoir pour reverdir le Sahel ?"


def check_result(result: Classification) -> None:
    assert isinstance(result, Classification)
    assert all(t in THEMES for t in result.themes)
    assert result.regions and all(r in REGIONS for r in result.regions)
    assert 0.0 <= result.relevance_score <= 1.0  # a probability (rounded: may read 1.0)
    json.dumps(result.evidence)


def test_real_relevant_item_has_themes_regions_and_evidence(
    items_by_id: dict[str, dict[str, object]],
) -> None:
    item = items_by_id["demo-fr-02"]
    result = classify_item(str(item["title"]), str(item["text"]))
    check_result(result)
    assert result.lang == "fr"
    assert result.relevant
    assert result.themes[0] == "land-restoration"
    assert result.regions == ("africa",)
    evidence = result.evidence
    assert evidence["places"]["Sahel"] >= 2  # type: ignore[index]
    terms = evidence["themes"]["land-restoration"]["terms"]  # type: ignore[index]
    assert terms["Grande Muraille Verte"] >= 1
    parts = evidence["relevance"]["parts"]  # type: ignore[index]
    assert set(parts) == {"vocabulary", "subject_themes", "context_themes"}
    assert sum(parts.values()) == pytest.approx(evidence["relevance"]["score"], abs=0.01)  # type: ignore[index]


def test_off_topic_news_is_not_relevant(items_by_id: dict[str, dict[str, object]]) -> None:
    item = items_by_id["web-fr-n01"]
    result = classify_item(str(item["title"]), str(item["text"]))
    check_result(result)
    assert not result.relevant
    assert result.themes == ()


def test_source_that_is_always_relevant_makes_the_item_relevant(
    items_by_id: dict[str, dict[str, object]],
) -> None:
    item = items_by_id["web-fr-n01"]
    result = classify_item(str(item["title"]), str(item["text"]), source_relevance="always")
    assert result.relevant
    assert result.evidence["relevance"]["source_default"] == "always"  # type: ignore[index]


def test_source_themes_and_region_are_fallbacks_only() -> None:
    vague = classify_item("Farming news", "Farmers talk about agriculture and crops.",
                          source_region="oceania", source_themes=("science",))  # fmt: skip
    assert vague.regions == ("oceania",)
    assert vague.themes == ("science",)
    named = classify_item("Soils and farming in Kenya", "Farmers in Kenya look after soils.",
                          source_region="oceania")  # fmt: skip
    assert named.regions == ("africa",)


def test_title_counts_more_than_body() -> None:
    body = "Farmers in Canada and in the United States follow the news."
    result = classify_item("Soil carbon farming spreads in Kenya", body)
    assert result.regions[0] == "africa"


def test_places_spread_over_many_regions_give_global() -> None:
    body = ("Soil carbon projects run in Kenya, Brazil, India, France, Canada and Australia, "
            "with farmers in each country measuring soil organic carbon.")  # fmt: skip
    assert classify_item("Soil carbon around the world", body).regions[0] == "global"


def test_exclusions_stop_a_term_from_counting() -> None:
    floor = classify_item("Le colis est resté au sol", "Le colis est resté au sol du hall.")
    soil = classify_item("Le sol agricole", "Le sol des parcelles agricoles.")
    floor_terms = floor.evidence["relevance"]["terms"]  # type: ignore[index]
    soil_terms = soil.evidence["relevance"]["terms"]  # type: ignore[index]
    assert "sol" not in floor_terms
    assert soil_terms["sol"] == 2


def test_source_language_is_trusted_for_very_short_text() -> None:
    assert classify_item("Sols", "", source_lang="fr").lang == "fr"


BAD_INPUTS = {
    "empty": ("", ""),
    "one word": ("Agroforesterie", ""),
    "all caps": ("LES AGRICULTEURS DU SAHEL FACE À LA SÉCHERESSE", ""),
    "html left in": (
        "<b>Soil</b> &amp; carbon",
        "<script>alert(1)</script><p>Cover crops store <i>soil carbon</i> on farms.</p><!-- x -->",
    ),
    "mixed languages": (
        "Agroecology: la agroecología et l'agroécologie",
        "Cover crops protect soils. Los suelos sanos almacenan carbono. Les sols vivants.",
    ),
    "unknown script": ("ภาษาไทย", "ดินและการเกษตรในประเทศไทย"),
    "nul bytes": ("Soil\x00 health", "\x00\x00carbon\x00"),
    "unclosed tag": ("<div title='", "<" * 10_000),
    "one huge token": ("a" * 3_000_000, "土壤" * 2_500_000),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_a_result(case: str) -> None:
    title, text = BAD_INPUTS[case]
    check_result(classify_item(title, text))


def test_all_caps_title_is_still_understood() -> None:
    result = classify_item("LES AGRICULTEURS DU SÉNÉGAL FACE À LA DÉSERTIFICATION", "")
    assert result.lang == "fr"
    assert result.relevant
    assert result.regions == ("africa",)


def test_html_tags_are_not_words() -> None:
    result = classify_item("<p class='soil'>Football</p>", "<div id='carbon'>Goal!</div>")
    assert not result.evidence["themes"]  # attributes were not read as text


def test_five_megabytes_of_text_is_truncated() -> None:
    text = "Les agriculteurs protègent les sols avec des couverts végétaux. " * 80_000
    assert len(text) > 5_000_000
    result = classify_item("Couverts végétaux", text)
    check_result(result)
    assert result.evidence["truncated"] is True
    assert "practices" in result.themes


def test_two_regions_named_equally_give_global() -> None:
    body = "Wheat farmers in the United States and in China face heat waves on their soils."
    assert classify_item("Wheat and heat", body).regions == ("global",)


def test_collected_item_uses_its_source_defaults(items_by_id: dict[str, dict[str, object]]) -> None:
    from datetime import UTC, datetime

    from pipeline.classify import classify_collected_item
    from pipeline.records import CollectedItem, SourceSpec

    real = items_by_id["web-fr-n08"]  # pension reform: off-topic for its text
    journal = SourceSpec("soil-journal", "Soil journal", "https://example.org/feed", "feed", "fr",
                         region="europe", themes=("science",), relevance="always")  # fmt: skip
    item = CollectedItem("soil-journal", "https://example.org/a", "https://example.org/a",
                         str(real["title"]), datetime(2026, 1, 1, tzinfo=UTC), "hash",
                         summary=str(real["text"]))  # fmt: skip
    result = classify_collected_item(item, journal)
    assert result.relevant and result.themes == ("science",) and result.lang == "fr"
    assert result.regions == ("europe",)


def test_item_about_the_initiative_itself_is_global_despite_its_seat() -> None:
    body = (
        "L'Initiative internationale « 4 pour 1000 », lancée par la France lors de la COP21 à "
        "Paris, rassemble des partenaires et des membres du monde entier autour du carbone des "
        "sols. Son secrétariat exécutif est installé à Montpellier, en France."
    )
    result = classify_item("L'Initiative « 4 pour 1000 » en quelques mots", body)
    assert result.themes[:1] == ("initiative",)
    assert result.regions == ("global",)
    assert result.evidence["region_worldwide_subject"] is True
    # with a place named in the title the regions are counted as usual
    titled = classify_item("Au Sénégal, l'Initiative « 4 pour 1000 » soutient un projet", body)
    assert "africa" in titled.regions and titled.regions != ("global",)
    assert titled.evidence["region_worldwide_subject"] is False


def test_drought_hitting_farmers_is_food_security_not_land_restoration() -> None:
    result = classify_item(
        "Drought slashes wheat harvest as farmers count their losses",
        "The worst drought in decades has cut yields across the plains; farmers say the harvest "
        "will be half of last year's and many face losing their income.",
    )
    assert result.relevant
    assert result.themes[:1] == ("food-security",)
    assert "land-restoration" not in result.themes
