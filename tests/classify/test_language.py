"""Language identification on real titles and on text it cannot cover."""

from __future__ import annotations

import pytest

from pipeline.classify import detect_language


@pytest.mark.parametrize("lang", ["fr", "en", "es", "pt", "it"])
def test_titles_of_each_language_are_recognised(
    labelled_items: list[dict[str, object]], lang: str
) -> None:
    titles = [str(i["title"]) for i in labelled_items if i["lang"] == lang and i["title"]]
    assert titles
    wrong = [t for t in titles if detect_language(t) != lang]
    assert len(wrong) <= len(titles) // 20, wrong


def test_german_feed_title_is_german() -> None:
    # Golem.de feed item title (shared/data/feeds/feed-rs/rss_1.0_iso8859.xml, MIT).
    assert detect_language("Digitalministerium: Neue Glasfaserförderung mit Schnellkasse") == "de"


@pytest.mark.parametrize("text", ["", "   ", "12345 678", "!!!", "\x00\x00"])
def test_text_without_letters_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_script_outside_the_candidates_is_not_forced_into_french_english_or_spanish() -> None:
    assert detect_language("ภาษาไทยเป็นภาษาราชการของประเทศไทย") not in {"fr", "en", "es", "und"}


def test_only_the_first_characters_are_looked_at() -> None:
    text = "Les agriculteurs du Sahel replantent des arbres. " * 200_000
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("text", ["ab", "a 1 b", "é-ñ", "ภา", "a ภ"])
def test_fewer_than_three_letters_are_undetermined_in_any_script(text: str) -> None:
    assert detect_language(text) == "und"


def test_a_few_letters_of_another_script_do_not_move_a_latin_text_to_the_full_model() -> None:
    # the quick path (no letter outside the covered scripts) and the counting path agree
    assert detect_language("Les agriculteurs replantent des arbres au Sahel (ไทย)") == "fr"
    assert detect_language("ไทย ภาษาไทยเป็นภาษาราชการ ab") not in {"fr", "en", "es", "und"}
