"""The taxonomy data file: it loads, covers every theme, and bad edits name their key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify import load_taxonomy
from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH, stem_phrase
from pipeline.errors import ConfigError
from pipeline.records import THEMES

GOOD_THEME = """
[relevance]
strong.fr = ["sol"]

[themes.policy]
keywords.fr = ["loi", "décret", {bad}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_taxonomy_covers_every_theme_in_five_languages() -> None:
    taxonomy = load_taxonomy()
    assert set(taxonomy.themes) == set(THEMES)
    for theme in taxonomy.themes.values():
        assert set(theme.terms) == {"fr", "en", "es", "pt", "it"}, theme.id
        assert set(theme.label) == {"fr", "en", "es"}, theme.id


def test_phrases_are_matched_on_stems_without_stop_words() -> None:
    taxonomy = load_taxonomy()
    singular, _ = stem_phrase("carbone organique du sol", "fr", taxonomy.stopwords["fr"])
    plural, _ = stem_phrase("Carbone organique des sols", "fr", taxonomy.stopwords["fr"])
    assert singular == plural == ("carbon", "organ", "sol")


def test_empty_keyword_names_its_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_THEME.format(bad='""'))
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(path)
    assert caught.value.path == "themes.policy.keywords.fr[2]"
    assert str(caught.value).startswith(f"{path}: themes.policy.keywords.fr[2]: ")


def test_keyword_that_is_not_a_string_names_its_key_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(write(tmp_path, GOOD_THEME.format(bad="3")))
    assert caught.value.path == "themes.policy.keywords.fr[2]"


def test_stop_words_only_phrase_is_refused(tmp_path: Path) -> None:
    text = GOOD_THEME.format(bad='"de la"') + '\n[stopwords]\nfr = ["de", "la"]\n'
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(write(tmp_path, text))
    assert caught.value.path == "themes.policy.keywords.fr[2]"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('[relevance]\n[themes.soils]\nkeywords.fr = ["sol"]\n', "themes.soils"),
        ('[relevance]\n[themes.policy]\nkeywords.de = ["Boden"]\n', "themes.policy.keywords.de"),
        ('[relevance]\n[themes.policy]\nkeyword.fr = ["loi"]\n', "themes.policy.keyword"),
        ('[relevance]\n[themes.policy]\nkeywords.fr = "loi"\n', "themes.policy.keywords.fr"),
        ("[settings]\ntitle_weight = -1\n[relevance]\n[themes.policy]\n", "settings.title_weight"),
        ("[settings]\nspeed = 1\n[relevance]\n[themes.policy]\n", "settings.speed"),
        ("[weights]\nstrong = 0\n[relevance]\n[themes.policy]\n", "weights.strong"),
        ('[themes.policy]\nkeywords.fr = ["loi"]\n', "relevance"),
        ("[relevance]\n", "themes"),
    ],
)
def test_invalid_edits_name_the_key_path(tmp_path: Path, text: str, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(write(tmp_path, text))
    assert caught.value.path == path
    assert caught.value.file == str(tmp_path / "taxonomy.toml")


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_taxonomy(write(tmp_path, "[themes.policy\n"))
    with pytest.raises(ConfigError, match="cannot read taxonomy"):
        load_taxonomy(tmp_path / "missing.toml")


def test_an_edited_copy_changes_the_classification(tmp_path: Path) -> None:
    from pipeline.classify import classify_item

    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        'strong.en = ["4 per 1000",', 'strong.en = ["4 per 1000", "compost tea", "brew",'
    )
    edited = load_taxonomy(write(tmp_path, text))
    title, body = "Compost tea for soils", "Farmers brew compost tea for their soils and crops."
    assert "initiative" not in classify_item(title, body).themes
    assert "initiative" in classify_item(title, body, taxonomy=edited).themes


def test_portuguese_and_italian_lists_are_matched_with_their_own_stemmer() -> None:
    from pipeline.classify import classify_item

    title = "Pesquisadores medem o carbono orgânico do solo"
    body = (
        "Um estudo da universidade mostra resultados de ensaios sobre a matéria orgânica do solo."
    )
    result = classify_item(title, body, source_lang="pt")
    assert result.lang == "pt"
    assert "science" in result.themes
    assert "pesquisa" in result.evidence["themes"]["science"]["terms"]  # type: ignore[index]


def test_a_secondary_theme_needs_two_distinct_terms(tmp_path: Path) -> None:
    from pipeline.classify import classify_item

    title = "A study of cover crops"
    body = "Farmers sow cover crops. The study was long; the study says yes; the study is public."
    one = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "secondary_min_terms = 2", "secondary_min_terms = 1"
    )
    assert "secondary_min_terms = 1" in one
    lenient = classify_item(title, body, taxonomy=load_taxonomy(write(tmp_path, one)))
    strict = classify_item(title, body)
    assert lenient.themes[0] == strict.themes[0] == "practices"
    assert "science" in lenient.themes
    assert "science" not in strict.themes


def test_a_secondary_theme_can_be_kept_on_its_body_score(tmp_path: Path) -> None:
    from pipeline.classify import classify_item

    title = "Cover crops, compost and no-till: regenerative agriculture on the farm"
    body = "Farmers sow cover crops. Carbon credits pay them: investors fund the carbon market."
    off = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "body_keep_ratio = 0.5 ", "body_keep_ratio = 100 "
    )
    assert "body_keep_ratio = 100 " in off
    title_led = classify_item(title, body, taxonomy=load_taxonomy(write(tmp_path, off)))
    result = classify_item(title, body)
    finance = result.evidence["themes"]["finance"]  # type: ignore[index]
    assert finance["score"] < 0.4 * result.evidence["themes"]["practices"]["score"]  # type: ignore[index]
    assert title_led.themes == ("practices",)
    assert result.themes == ("practices", "finance")
