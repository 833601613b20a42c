"""General rules of the fifth tuning round: exact words, missing phrasings, African places."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify import classify_item, load_default_gazetteer, load_taxonomy
from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH, spell_forms
from pipeline.classify.text import tokenize_words

LANGUAGE_OF = {"directive": "en", "directiva": "es"}
EXACT_LINE = 'exact_words = ["directive", "directiva", "diretiva", "direttiva", "direttive"]\n'


def theme_terms(result: object, theme: str) -> dict[str, int]:
    themes = result.evidence["themes"]  # type: ignore[attr-defined]
    return dict(themes.get(theme, {}).get("terms", {}))


def taxonomy_without_exact_words(tmp_path: Path) -> Path:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    assert EXACT_LINE in text
    path = tmp_path / "taxonomy.toml"
    path.write_text(text.replace(EXACT_LINE, ""), encoding="utf-8")
    return path


def test_exact_word_forms_are_the_word_and_its_plural() -> None:
    assert spell_forms("Directive") == frozenset({"directive", "directives"})


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Farmers sell directly to shops", "Cover crops and compost protect their soils."),
        ("A new direction for soil care", "Cover crops and compost protect their soils."),
        ("La siembra directa protege los suelos", "Los agricultores usan cultivos de cobertura."),
        ("Vente directe à la ferme", "Les agriculteurs protègent leurs sols par le compost."),
    ],
)
def test_words_sharing_the_stem_of_directive_are_not_policy(
    title: str, body: str, tmp_path: Path
) -> None:
    terms = theme_terms(classify_item(title, body), "policy")
    assert not {"directive", "directiva"} & set(terms)
    stemmed = load_taxonomy(taxonomy_without_exact_words(tmp_path))
    before = theme_terms(classify_item(title, body, taxonomy=stemmed), "policy")
    assert {"directive", "directiva"} & set(before)  # the collision the rule removes


@pytest.mark.parametrize(
    ("title", "term"),
    [
        ("The EU directive on soil monitoring", "directive"),
        ("Les directives européennes sur les sols", "directive"),
        ("Una directiva europea para los suelos", "directiva"),
    ],
)
def test_the_word_directive_itself_is_still_policy(title: str, term: str) -> None:
    result = classify_item(title, "", source_lang=LANGUAGE_OF[term])
    assert term in theme_terms(result, "policy")


@pytest.mark.parametrize(
    ("theme", "title", "term"),
    [
        ("policy", "Farm subsidies reward cover crops", "subsidies"),
        ("policy", "Plans for agricultural emissions pricing", "emissions pricing"),
        ("policy", "Une aide d'État pour les agriculteurs", "aide d'État"),
        ("policy", "Los subsidios agrícolas premian la siembra directa", "subsidios"),
        ("policy", "O Plano ABC apoia a agricultura de baixo carbono", "Plano ABC"),
        ("science", "Soil carbon losses: we show that cold soils are vulnerable", "we show"),
        ("science", "Diagnóstico de la reforestación de manglares", "diagnóstico"),
        ("practices", "Café de sombra en Chiapas", "café de sombra"),
        ("practices", "Los bioinsumos mejoran los suelos", "bioinsumos"),
    ],
)
def test_common_phrasings_count_for_their_theme(theme: str, title: str, term: str) -> None:
    result = classify_item(title, "")
    assert term in theme_terms(result, theme)


def test_shade_coffee_alone_in_the_title_is_a_practice() -> None:
    result = classify_item(
        "Café de sombra", "Los productores cultivan bajo los árboles y cuidan el suelo."
    )
    assert "practices" in result.themes


@pytest.mark.parametrize(
    "text", ["Fatick", "Louga", "Kaolack", "Mopti", "Maradi", "Mombasa", "Lomé", "togolais",
             "zambian", "mozambiqueño"],
)  # fmt: skip
def test_african_regions_cities_and_demonyms_are_known(text: str) -> None:
    places = load_default_gazetteer().find_places(tokenize_words(text))
    assert [str(place.region) for _, place in places] == ["africa"]


def test_a_congress_in_spanish_is_a_conference_not_a_parliament() -> None:
    result = classify_item(
        "Congreso de la Asociación de Productores en Siembra Directa",
        "Los congresos y simposios reúnen a productores que comparten sus prácticas de suelo.",
    )
    assert "policy" not in result.themes
    assert not theme_terms(result, "policy")
