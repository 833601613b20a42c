"""The translation service with the real Apertium engine: memory, fallback, bad input."""

from __future__ import annotations

import pytest

from pipeline.errors import TranslationError
from pipeline.records import ItemText
from pipeline.translate.apertium import ApertiumEngine
from pipeline.translate.engines import (
    FLAG_ALREADY_TARGET,
    FLAG_ENGINE_FAILED,
    FLAG_NEEDS_TRANSLATION,
)
from pipeline.translate.glossary import Glossary
from pipeline.translate.memory import InMemoryTranslationMemory
from pipeline.translate.translator import Translator, remember_correction

from .conftest import read_tsv

pytestmark = pytest.mark.apertium


def test_second_pass_makes_zero_engine_calls(apertium: None, glossary: Glossary) -> None:
    rows = read_tsv("ntrex128.head30.en-fr-es.tsv")
    segments = [row["fr"] for row in rows]
    memory = InMemoryTranslationMemory()
    translator = Translator([ApertiumEngine()], memory=memory, glossary=glossary)
    first = translator.translate_segments(segments, "fr", "en")
    assert translator.engine_calls == 1
    assert memory.entries
    second = translator.translate_segments(segments, "fr", "en")
    assert translator.engine_calls == 1
    assert [r.text for r in second] == [r.text for r in first]
    assert {r.origin for r in second} == {"memory"}


def test_a_correction_is_never_needed_twice(apertium: None) -> None:
    memory = InMemoryTranslationMemory()
    translator = Translator([ApertiumEngine()], memory=memory)
    source = "Le sol est vivant. La terre respire."
    machine = translator.translate_segments([source], "fr", "en")[0]
    assert machine.origin == "machine"
    remember_correction(memory, "fr", "en", source, "Soil is alive. The land breathes.",
                        editor="alice")
    again = translator.translate_segments([source, "La terre respire."], "fr", "en")
    assert [r.text for r in again] == ["Soil is alive. The land breathes.", "The land breathes."]
    assert translator.engine_calls == 1


def test_no_engine_for_the_pair_means_needs_translation() -> None:
    translator = Translator([ApertiumEngine("/nonexistent/apertium")])
    results = translator.translate_segments(["Le sol est vivant.", ""], "fr", "en")
    assert results[0].text == "Le sol est vivant."
    assert results[0].flags == (FLAG_NEEDS_TRANSLATION,)
    assert results[0].origin == "needs_translation"
    assert results[1].text == "" and results[1].flags == ()
    item = translator.translate_item(ItemText("fr", "Le sol", "Il vit."), "en")
    assert item.origin == "needs_translation" and item.title == "Le sol"


def test_fallback_to_the_next_engine(apertium: None, broken_apertium: str) -> None:
    broken = ApertiumEngine(broken_apertium, name="broken", max_failures=2)
    translator = Translator([broken, ApertiumEngine()])
    assert [e.name for e in translator.candidates("fr", "es")] == ["broken", "apertium"]
    results = translator.translate_segments(["Le sol est vivant.", "Le pain."], "fr", "es")
    assert all(r.engine == "apertium" and not r.flags for r in results)
    assert translator.engine_calls == 2
    only_broken = translator.translate_segments(["Le pain."], "fr", "es", engine="broken")
    assert only_broken[0].flags == (FLAG_ENGINE_FAILED,)
    with pytest.raises(TranslationError, match="unknown engine"):
        translator.translate_segments(["x"], "fr", "es", engine="deepl")


def test_pair_settings_choose_the_engine(apertium: None, broken_apertium: str) -> None:
    broken = ApertiumEngine(broken_apertium, name="broken")
    translator = Translator([broken, ApertiumEngine()],
                            pair_engines={("fr", "es"): ["apertium"]})
    assert [e.name for e in translator.candidates("fr", "es")] == ["apertium"]
    assert [e.name for e in translator.candidates("es", "fr")] == ["broken", "apertium"]


def test_bad_input_gives_one_result_per_segment(apertium: None, glossary: Glossary) -> None:
    long_paragraph = " ".join(["Les sols agricoles stockent du carbone depuis des années."] * 350)
    assert len(long_paragraph) > 20_000
    segments = [
        "",
        long_paragraph,
        '<p>La <a href="https://example.org/a?b=1">FAO</a> publie <em>un rapport</em>.</p>',
        "Les sols 🌱😀 vivent 👍",
        "שלום עולם, مرحبا بالعالم",
        "Soil organic carbon is the largest terrestrial carbon pool on the planet.",
        "   ",
        "1234 5678",
    ]
    translator = Translator([ApertiumEngine()], glossary=glossary)
    results = translator.translate_segments(segments, "fr", "en")
    assert len(results) == len(segments)
    assert results[0].text == "" and results[6].text == "   "
    assert len(results[1].text) > 15_000 and "Les sols" not in results[1].text
    assert results[2].text.startswith('<p>The <a href="https://example.org/a?b=1">FAO</a>')
    assert "<em>" in results[2].text and results[2].text.endswith("</p>")
    assert "🌱😀" in results[3].text and "👍" in results[3].text
    assert "שלום" in results[4].text and "مرحبا" in results[4].text
    assert results[5].text == segments[5] and FLAG_ALREADY_TARGET in results[5].flags
    assert results[7].text == "1234 5678"


def test_item_title_summary_and_paragraphs(apertium: None, glossary: Glossary) -> None:
    item = ItemText(lang="fr", title="La santé des sols",
                    summary="La FAO publie un rapport. Il parle d'agroforesterie.",
                    body="Premier paragraphe sur les sols.\n\nDeuxième paragraphe.")
    translated = Translator([ApertiumEngine()], glossary=glossary).translate_item(item, "es")
    assert translated.lang == "es" and translated.origin == "machine"
    assert translated.engine is not None and translated.engine.startswith("apertium ")
    assert translated.title == "La salud del suelo"
    assert "FAO" in translated.summary and "agroforestería" in translated.summary
    assert translated.body.count("\n\n") == 1


def test_many_items_in_one_engine_call_per_language(apertium: None) -> None:
    items = [
        ItemText("fr", "Le sol est vivant.", "La terre respire.", "Un.\n\nDeux."),
        ItemText("es", "El suelo está vivo.", "La tierra respira."),
        ItemText("en", "Soil is alive.", "The land breathes."),
        ItemText("fr", "Le pain.", "", ""),
    ]
    translator = Translator([ApertiumEngine()])
    translated = translator.translate_items(items, "en")
    assert translator.engine_calls == 2  # one for French, one for Spanish
    assert [t.lang for t in translated] == ["en"] * 4
    assert translated[2] is items[2]
    assert translated[0].body.count("\n\n") == 1 and "Deux" not in translated[0].body
    assert translated[3].summary == "" and translated[3].body == ""
    assert all(t.origin == "machine" for t in (translated[0], translated[1], translated[3]))


def test_a_huge_paragraph_without_punctuation(apertium: None) -> None:
    words = ["sol", "terre", "carbone", "eau", "plante"]
    paragraph = " ".join(f"{words[i % 5]}" for i in range(5000))
    assert len(paragraph) > 20_000
    [result] = Translator([ApertiumEngine()]).translate_segments([paragraph], "fr", "es")
    assert result.origin == "machine" and FLAG_ENGINE_FAILED not in result.flags
    assert result.text.count("suelo") == 1000


def test_memory_hits_are_checked_again(glossary: Glossary) -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("fr", "en", [("La santé des sols compte en 2025.",
                                  "Soil wellness matters in 2024.")], "machine", "x")
    translator = Translator([ApertiumEngine("/nonexistent/apertium")], memory=memory,
                            glossary=glossary)
    [result] = translator.translate_segments(["La santé des sols compte en 2025."], "fr", "en")
    assert result.origin == "memory" and result.text == "Soil wellness matters in 2024."
    assert "glossary_violation" in result.flags and "numbers_changed" in result.flags
    assert translator.engine_calls == 0
