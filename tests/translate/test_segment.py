from __future__ import annotations

import pytest

from pipeline.translate.segment import join_pieces, split_paragraphs, split_sentences


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("M. Dupont est arrivé. Il a dit « Bonjour ». Voir p. 12 du rapport. Fin !",
         "fr", ["M. Dupont est arrivé.", "Il a dit « Bonjour ».", "Voir p. 12 du rapport.",
                "Fin !"]),
        ("Dr. Smith met Mr. J. Jones in the U.S. yesterday. They talked. Really? Yes.",
         "en", ["Dr. Smith met Mr. J. Jones in the U.S. yesterday.", "They talked.",
                "Really?", "Yes."]),
        ("Lo dijo el Sr. García, p. ej. ayer. ¿Vienes? ¡Sí!", "es",
         ["Lo dijo el Sr. García, p. ej. ayer.", "¿Vienes?", "¡Sí!"]),
        ("The yield rose 3.5 t/ha in 2015. It fell after.", "en",
         ["The yield rose 3.5 t/ha in 2015.", "It fell after."]),
    ],
)
def test_sentences_split_per_language(text: str, lang: str, expected: list[str]) -> None:
    pieces = split_sentences(text, lang)
    assert [p.text for p in pieces if p.text] == expected
    assert join_pieces(pieces) == text


def test_long_sentence_is_cut_at_spaces_and_rejoined() -> None:
    text = " ".join(["mot"] * 7000)  # 28,000 characters, no full stop
    pieces = split_sentences(text, "fr", max_chars=1000)
    assert all(len(p.text) <= 1000 for p in pieces)
    assert len(pieces) > 20
    assert join_pieces(pieces) == text


def test_text_without_spaces_is_cut_anywhere() -> None:
    text = "x" * 2500
    pieces = split_sentences(text, "en", max_chars=1000)
    assert [len(p.text) for p in pieces] == [1000, 1000, 500]
    assert join_pieces(pieces) == text


def test_empty_and_blank_segments() -> None:
    assert split_sentences("", "fr") == []
    assert join_pieces(split_sentences("   ", "fr")) == "   "
    assert join_pieces(split_sentences("  Une phrase.  ", "fr")) == "  Une phrase.  "


def test_paragraphs_keep_their_separators() -> None:
    text = "Premier.\n\nDeuxième.\nTroisième."
    pieces = split_paragraphs(text)
    assert [p.text for p in pieces] == ["Premier.", "Deuxième.", "Troisième."]
    assert join_pieces(pieces) == text
