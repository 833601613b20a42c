"""What the translation review marks in a machine translation, and the memory's suggestions."""

from __future__ import annotations

from pipeline.records import ItemText
from pipeline.translate import ApertiumEngine, Translator
from pipeline.translate.glossary import parse_glossary
from pipeline.translate.review import find_marks, rank_suggestions, split_marked

GLOSSARY = parse_glossary({"keep": ["FAO"], "terms": [
    {"en": "soil health", "fr": "santé des sols", "es": "salud del suelo"},
    {"en": "4 per 1000", "fr": "4 pour 1000", "es": "4 por 1000"}]})


def marked(text: str, marks) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.text, p.kind) for p in split_marked(text, marks) if p.kind]


def test_numbers_untranslated_words_and_terms_are_marked() -> None:
    source = "La santé des sols progresse de 3,5 % selon la FAO et le rapport agroécologique."
    output = "La salud del suelo progresa un 35,5 % según la FAO y el rapport agroécologique."
    marks, terms = find_marks(source, output, "fr", "es", ("numbers_changed", "unknown_words"),
                              GLOSSARY)
    assert marked(output, marks) == [("salud del suelo", "term"), ("35,5", "number"),
                                     ("FAO", "term"), ("rapport", "unknown"),
                                     ("agroécologique", "unknown")]
    assert [(t.source, t.expected, t.present) for t in terms] == [
        ("santé des sols", "salud del suelo", True), ("FAO", "FAO", True)]
    assert "".join(p.text for p in split_marked(output, marks)) == output


def test_untranslated_words_are_marked_only_when_the_engine_said_so() -> None:
    source = "Le rapport est publié."
    output = "El rapport está publicado."
    assert find_marks(source, output, "fr", "es", (), GLOSSARY)[0] == []


def test_a_missing_term_is_listed_not_marked() -> None:
    marks, terms = find_marks("L'initiative 4 pour 1000 avance.", "The initiative advances.",
                              "fr", "en", ("glossary_violation",), GLOSSARY)
    assert marks == []
    assert [(t.expected, t.present) for t in terms] == [("4 per 1000", False)]


def test_suggestions_exact_first_people_before_machines_near_matches_after() -> None:
    segments = ["La santé des sols progresse.", "Les sols vivants."]
    exact = [("La santé des sols progresse.", "La salud del suelo progresa.", "machine"),
             ("Les sols vivants.", "Los suelos vivos.", "approved")]
    human = [("La santé des sols progresse vite.", "La salud del suelo progresa rápido.",
              "reviewed"), ("Rien à voir ici du tout.", "Nada que ver.", "reviewed")]
    found = rank_suggestions(segments, exact, human, current=["Los suelos vivos."])
    assert [(s.target, s.origin) for s in found] == [
        ("La salud del suelo progresa.", "machine"),
        ("La salud del suelo progresa rápido.", "reviewed")]
    assert found[0].score == 1.0 and 0.7 <= found[1].score < 1.0


def test_the_words_the_engine_reported_are_marked_names_included() -> None:
    source = "Unlocking the potential of soil carbon."
    output = "Unlocking El potencial del carbono del suelo, y Unlocking otra vez."
    marks, _ = find_marks(source, output, "en", "es", ("unknown_words",), GLOSSARY,
                          ("Unlocking",))
    assert marked(output, marks) == [("Unlocking", "unknown"), ("Unlocking", "unknown")]


def test_the_translator_keeps_the_unknown_words_of_an_item(apertium: None) -> None:
    translated = Translator([ApertiumEngine()]).translate_item(
        ItemText(lang="fr", title="Le sol du plateau de brumixal est vivant.",
                 summary="Les paysans du brumixal le savent."), "es")
    assert "unknown_words" in translated.flags
    assert translated.unknown == ("brumixal",)
