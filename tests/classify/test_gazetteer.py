"""The gazetteer: CLDR country names in three languages, demonyms, cities, UN M49 regions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify import build_gazetteer, load_default_gazetteer
from pipeline.classify.text import tokenize_words
from pipeline.errors import ConfigError


def regions_in(text: str) -> list[str]:
    places = load_default_gazetteer().find_places(tokenize_words(text))
    return [str(place.region) for _, place in places]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Mexique", "latin-america-caribbean"),
        ("Mexico", "latin-america-caribbean"),
        ("México", "latin-america-caribbean"),
        ("Guatemala", "latin-america-caribbean"),
        ("Égypte", "africa"),
        ("Marruecos", "africa"),
        ("Arabie saoudite", "asia"),
        ("Turquía", "asia"),
        ("États-Unis", "north-america"),
        ("Estados Unidos", "north-america"),
        ("Côte d’Ivoire", "africa"),
        ("Côte d'Ivoire", "africa"),
        ("Nouvelle-Calédonie", "oceania"),
        ("New Zealand", "oceania"),
        ("Royaume-Uni", "europe"),
        ("Union européenne", "europe"),
        ("Amérique latine", "latin-america-caribbean"),
        ("Afrique subsaharienne", "africa"),
        ("Punjab", "asia"),
        ("Québec", "north-america"),
    ],
)
def test_names_map_to_their_m49_region(text: str, region: str) -> None:
    assert regions_in(f"Une nouvelle de {text} aujourd'hui") == [region]


def test_demonyms_match_in_any_case_and_in_the_plural() -> None:
    assert regions_in("les agriculteurs sénégalais et les éleveuses kényanes") == [
        "africa",
        "africa",
    ]
    assert regions_in("Brazilian farmers") == ["latin-america-caribbean"]


def test_proper_names_need_a_capital_letter() -> None:
    assert regions_in("un plato de chile con carne") == []
    assert regions_in("Chile y Perú") == ["latin-america-caribbean", "latin-america-caribbean"]


def test_ignored_phrases_mask_the_place_inside_them() -> None:
    assert regions_in("l'Accord de Paris sur le climat") == []
    assert regions_in("une réunion à Paris") == ["europe"]


def test_longest_name_wins() -> None:
    places = load_default_gazetteer().find_places(tokenize_words("farms in New Jersey"))
    assert [(text, place.region) for text, place in places] == [("New Jersey", "north-america")]


def test_unknown_region_in_places_file_names_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "places.toml"
    path.write_text('[m49]\nantarctica = ["AQ"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_gazetteer(path)
    assert caught.value.path == "m49.antarctica"


def test_unknown_code_in_names_names_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "places.toml"
    path.write_text('[m49]\nafrica = ["KE"]\n[names]\nXX = ["Atlantis"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_gazetteer(path)
    assert caught.value.path == "names.XX"


def test_acronyms_must_be_in_capitals() -> None:
    assert regions_in("Eu égard aux UE et EU rules") == ["europe", "europe"]
    assert regions_in("the US and the U.S. farmers") == ["north-america", "north-america"]
    assert regions_in("tell us more") == []
