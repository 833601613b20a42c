"""General theme rules of the fourth tuning round: acronyms, passing mentions, false friends."""

from __future__ import annotations

from pathlib import Path

from pipeline.classify import classify_item, load_taxonomy
from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH, is_acronym


def theme_terms(result: object, theme: str) -> dict[str, int]:
    themes = result.evidence["themes"]  # type: ignore[attr-defined]
    return dict(themes.get(theme, {}).get("terms", {}))


def edited_taxonomy(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "taxonomy.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_terms_written_in_capitals_are_acronyms() -> None:
    assert is_acronym("UN") and is_acronym("COP") and is_acronym("CO2")
    assert not is_acronym("Inrae") and not is_acronym("PhD") and not is_acronym("A")


def test_an_acronym_matches_only_a_word_in_capitals() -> None:
    body = "Farmers protect their soils with cover crops and compost."
    capitals = classify_item("Soil carbon on the agenda of the COP", body)
    lower = classify_item("Soil carbon: a cop visits the farm", body)
    assert "COP" in theme_terms(capitals, "policy")
    assert "COP" not in theme_terms(lower, "policy")


def test_a_strong_term_in_the_title_is_a_subject_not_a_passing_mention() -> None:
    title = "Carbon markets pay for cover crops"
    body = "Farmers sow cover crops and practise no-till to protect their soils and reduce tillage."
    result = classify_item(title, body)
    assert list(theme_terms(result, "finance")) == ["carbon market"]  # one term only
    assert result.themes[0] == "practices"
    assert "finance" in result.themes


def test_a_strong_term_said_again_and_again_is_a_subject(tmp_path: Path) -> None:
    title = "Cover crops and no-till on the farm"
    body = (
        "Farmers sow cover crops and practise no-till. The carbon market pays them; the carbon "
        "market is young; the carbon market is growing."
    )
    never = load_taxonomy(
        edited_taxonomy(tmp_path, "subject_repeats = 3 ", "subject_repeats = 100 ")
    )
    assert theme_terms(classify_item(title, body), "finance") == {"carbon market": 3}
    assert "finance" in classify_item(title, body).themes
    assert "finance" not in classify_item(title, body, taxonomy=never).themes


def test_low_carbon_is_about_emissions_not_soil_carbon() -> None:
    result = classify_item(
        "Low-carbon agriculture in Brazil", "The low-carbon plan supports farmers with credit."
    )
    assert "carbon" not in theme_terms(result, "soil-carbon")
    assert "low-carbon agriculture" in theme_terms(result, "practices")


def test_looking_for_something_is_not_research() -> None:
    result = classify_item(
        "Les éleveurs à la recherche de pâturages",
        "Face à la sécheresse, les éleveurs sont à la recherche de fourrage pour le bétail.",
    )
    assert "recherche" not in theme_terms(result, "science")


def test_a_ministry_name_is_not_food_security() -> None:
    result = classify_item(
        "Le ministère de l'Agriculture et de l'Alimentation soutient l'agroécologie",
        "Les agriculteurs adoptent les couverts végétaux et le semis direct.",
    )
    assert "alimentation" not in theme_terms(result, "food-security")
