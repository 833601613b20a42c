"""Glossary: loading, validation, placeholders, and real sentences through Apertium."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.translate.apertium import ApertiumEngine
from pipeline.translate.engines import FLAG_GLOSSARY_VIOLATION, FLAG_MARKUP_LOST
from pipeline.translate.glossary import Glossary, load_glossary, parse_glossary
from pipeline.translate.protect import protect_text, restore_text
from pipeline.translate.translator import Translator

from .conftest import read_tsv

CONTEXT_TERMS = [
    ("4 per 1000", "4 pour 1000", "4 por 1000"),
    ("soil organic carbon", "carbone organique du sol", "carbono orgánico del suelo"),
    ("carbon sequestration", "séquestration du carbone", "secuestro de carbono"),
    ("Partners and Members", "Partenaires et Membres", "Socios y Miembros"),
]


def test_project_glossary_is_seeded_from_the_context(glossary: Glossary) -> None:
    for en, fr, es in CONTEXT_TERMS:
        assert {"en": en, "fr": fr, "es": es} in glossary.terms
    for name in ("FAO", "CGIAR", "CIRAD", "INRAE", "IRD", "ICRISAT", "GIZ"):
        assert name in glossary.keep


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"terms": [{"en": "soil", "de": "Boden"}]}, "terms[0].de"),
        ({"terms": [{"en": "soil"}]}, "terms[0]"),
        ({"terms": [{"en": "soil", "fr": ""}]}, "terms[0].fr"),
        ({"keep": "FAO"}, "keep"),
        ({"names": []}, "names"),
    ],
)
def test_invalid_glossary_names_the_key_path(data: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_glossary(data, file="glossary.toml")
    assert str(error.value).startswith(f"glossary.toml: {path}: ")


def test_unreadable_glossary_file(tmp_path: Path) -> None:
    bad = tmp_path / "g.toml"
    bad.write_text("terms = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_glossary(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_glossary(tmp_path / "missing.toml")


def test_terms_match_any_spacing_and_case_longest_first(glossary: Glossary) -> None:
    text = "L'Initiative «\u00a04 pour 1000\u00a0» et la Santé des sols ; la fao n'est pas FAO."
    found = glossary.find_terms(text, "fr", "en")
    assert [(m.source_text, m.target_text) for m in found] == [
        ("Initiative «\u00a04 pour 1000\u00a0»", "« 4 per 1000 » Initiative"),
        ("Santé des sols", "Soil health"),
        ("FAO", "FAO"),
    ]


def test_placeholders_restore_markup_and_terms(glossary: Glossary) -> None:
    text = ('La <em>séquestration du carbone</em>, voir <a href="https://4p1000.org/fr?a=1&b=2">'
            "le site</a> ou écrire à contact@4p1000.org #sols zxq2.")
    protected = protect_text(text, "fr", "en", glossary)
    assert "séquestration" not in protected.text and "<" not in protected.text
    assert "https" not in protected.text and "contact@" not in protected.text
    assert protected.slots[0].token == "zxq3"  # numbering skips what the text holds
    restored, flags = restore_text(protected.text, protected)
    assert flags == ()
    assert restored == text.replace("séquestration du carbone", "carbon sequestration")


def test_lost_placeholders_are_flagged(glossary: Glossary) -> None:
    protected = protect_text("La <b>santé des sols</b> compte.", "fr", "en", glossary)
    tokens = [slot.token for slot in protected.slots]
    _, flags = restore_text(protected.text.replace(tokens[1], "health"), protected)
    assert flags == (FLAG_GLOSSARY_VIOLATION,)
    _, flags = restore_text(protected.text.replace(tokens[0], ""), protected)
    assert flags == (FLAG_MARKUP_LOST,)


@pytest.mark.apertium
@pytest.mark.parametrize(("source", "target"), [("en", "es"), ("es", "en"), ("fr", "es"),
                                                 ("es", "fr"), ("fr", "en"), ("en", "fr")])
def test_real_sentences_keep_every_glossary_term(
    apertium: None, glossary: Glossary, source: str, target: str
) -> None:
    rows = read_tsv("glossary_sentences.tsv")
    translator = Translator([ApertiumEngine()], glossary=glossary)
    results = translator.translate_segments([r[source] for r in rows], source, target)
    checked = 0
    for row, result in zip(rows, results, strict=True):
        assert FLAG_GLOSSARY_VIOLATION not in result.flags
        for match in glossary.find_terms(row[source], source, target):
            assert match.target_text.lower() in result.text.lower(), (row[source], result.text)
            checked += 1
    assert checked >= 15


@pytest.mark.apertium
def test_without_glossary_apertium_breaks_the_terms(apertium: None) -> None:
    """The control: the glossary is what keeps these terms right."""
    rows = read_tsv("glossary_sentences.tsv")
    results = Translator([ApertiumEngine()]).translate_segments(
        [r["en"] for r in rows], "en", "es")
    kept = sum("Socios y Miembros" in r.text or "Iniciativa « 4 por 1000 »" in r.text
               for r in results)
    assert kept == 0
