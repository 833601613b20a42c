from __future__ import annotations

from pipeline.translate.engines import (
    FLAG_LENGTH_RATIO,
    FLAG_NUMBERS_CHANGED,
    FLAG_WRONG_LANGUAGE,
)
from pipeline.translate.quality import check_translation, detect_language, numbers_of


def test_good_translation_has_no_flag() -> None:
    assert check_translation(
        "Les sols agricoles stockent 3,5 tonnes de carbone par hectare depuis 2015.",
        "Agricultural soils have stored 3.5 tonnes of carbon per hectare since 2015.",
        "fr", "en") == ()


def test_output_in_the_wrong_language_is_flagged() -> None:
    flags = check_translation(
        "Les sols agricoles stockent du carbone depuis des années.",
        "Los suelos agrícolas almacenan carbono desde hace muchos años en la región.",
        "fr", "en")
    assert FLAG_WRONG_LANGUAGE in flags


def test_changed_numbers_and_dates_are_flagged() -> None:
    flags = check_translation("La réunion du 12 mars 2025 a réuni 40 pays.",
                              "The meeting of 12 March 2024 brought together 40 countries.",
                              "fr", "en")
    assert FLAG_NUMBERS_CHANGED in flags
    assert numbers_of("1 000,5 et 3.5") == numbers_of("1,000.5 and 3,5")


def test_length_far_from_the_source_is_flagged() -> None:
    flags = check_translation("Les sols agricoles stockent du carbone depuis des années.",
                              "Soils.", "fr", "en")
    assert FLAG_LENGTH_RATIO in flags


def test_short_texts_are_not_given_a_language() -> None:
    assert detect_language("OK 😀")[0] is None
    assert detect_language("El suelo es la base de la seguridad alimentaria mundial.")[0] == "es"
