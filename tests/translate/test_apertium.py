"""The Apertium engine against the real apertium binaries (and wrappers that misbehave)."""

from __future__ import annotations

import subprocess

import pytest

from pipeline.translate.apertium import ApertiumEngine, clean_marks
from pipeline.translate.engines import FLAG_ENGINE_FAILED, FLAG_UNKNOWN_WORDS

from .conftest import read_tsv


def reference(text: str, mode: str = "fr-es") -> str:
    """What one plain ``apertium -u MODE`` process gives for ``text``."""
    out = subprocess.run(["apertium", "-u", mode], input=text, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()

pytestmark = pytest.mark.apertium


def test_marks_are_cleaned_but_hashtags_kept() -> None:
    text, unknown = clean_marks("Una frase *xyzzyq con #suelo y @fao.",
                                "Une phrase xyzzyq #suelo @fao.")
    assert text == "Una frase xyzzyq con #suelo y @fao."
    assert unknown == ("xyzzyq",)


def test_all_six_directions_available(apertium: None) -> None:
    pairs = ApertiumEngine().pairs()
    assert {("en", "es"), ("es", "en"), ("fr", "es"), ("es", "fr"), ("fr", "en"),
            ("en", "fr")} <= pairs


@pytest.mark.parametrize(("source", "target"), [("en", "es"), ("es", "en"), ("fr", "es"),
                                                 ("es", "fr"), ("fr", "en"), ("en", "fr")])
def test_a_batch_of_real_sentences_in_one_process_per_leg(
    apertium: None, source: str, target: str
) -> None:
    rows = read_tsv("ntrex128.head30.en-fr-es.tsv")
    segments = [row[source] for row in rows]
    engine = ApertiumEngine()
    assert engine.modes and engine.version  # each cost one process; count the batch alone
    runs_before = engine.process_runs
    results = engine.translate_batch(segments, source, target)
    legs = 1 if "es" in (source, target) else 2
    assert engine.process_runs - runs_before == legs
    assert len(results) == len(segments)
    assert all(r.engine == "apertium" and r.engine_version for r in results)
    changed = sum(r.text != s for r, s in zip(results, segments, strict=True))
    assert changed >= len(segments) - 1
    assert not any("*" in r.text for r in results)


def test_batch_matches_one_sentence_at_a_time(apertium: None) -> None:
    rows = read_tsv("ntrex128.head30.en-fr-es.tsv")[:8]
    engine = ApertiumEngine()
    batch = [r.text for r in engine.translate_batch([row["fr"] for row in rows], "fr", "es")]
    single = [engine.translate_batch([row["fr"]], "fr", "es")[0].text for row in rows]
    assert batch == single


def test_unknown_words_are_flagged_and_cleaned(apertium: None) -> None:
    [result] = ApertiumEngine().translate_batch(["Le sol de Zyxwvutland est vivant."], "fr", "es")
    assert FLAG_UNKNOWN_WORDS in result.flags
    assert "Zyxwvutland" in result.unknown
    assert "*" not in result.text and "Zyxwvutland" in result.text


def test_empty_segments_and_line_breaks_keep_count_and_order(apertium: None) -> None:
    segments = ["", "Le sol est vivant.", "   ", "Deux\nlignes\r\nici.", "\x00", "Fin."]
    results = ApertiumEngine().translate_batch(segments, "fr", "es")
    assert len(results) == len(segments)
    assert results[0].text == "" and results[2].text.strip() == ""
    assert results[1].text == reference("Le sol est vivant.")
    assert "\n" not in results[3].text and results[3].text
    assert results[5].text == reference("Fin.")


def test_engine_dying_mid_batch_is_restarted(misbehaving_apertium: str) -> None:
    engine = ApertiumEngine(misbehaving_apertium, timeout_seconds=20)
    segments = ["Le sol est vivant.", "La terre est bleue.", "CRASHNOW ici.", "Le pain.",
                "Le sol est vivant."]
    results = engine.translate_batch(segments, "fr", "es")
    assert len(results) == 5
    assert results[2].text == "CRASHNOW ici." and FLAG_ENGINE_FAILED in results[2].flags
    assert [r.text for i, r in enumerate(results) if i != 2] == [
        reference(s) for i, s in enumerate(segments) if i != 2]
    assert all(FLAG_ENGINE_FAILED not in r.flags for i, r in enumerate(results) if i != 2)


def test_engine_hanging_is_killed_after_the_timeout(misbehaving_apertium: str) -> None:
    engine = ApertiumEngine(misbehaving_apertium, timeout_seconds=3)
    segments = ["Le sol est vivant.", "La terre est bleue.", "HANGNOW ici.", "Le pain."]
    results = engine.translate_batch(segments, "fr", "es")
    assert [r.text for r in results] == [reference(s) for s in segments[:2]] + [
        "HANGNOW ici.", reference(segments[3])]
    assert results[2].flags == (FLAG_ENGINE_FAILED,)


def test_engine_that_keeps_failing_gives_up_with_every_segment_kept(broken_apertium: str) -> None:
    engine = ApertiumEngine(broken_apertium, max_failures=3)
    segments = [f"Phrase numéro {i}." for i in range(50)]
    results = engine.translate_batch(segments, "fr", "es")
    assert [r.text for r in results] == segments
    assert all(r.flags == (FLAG_ENGINE_FAILED,) for r in results)
    assert engine.process_runs <= 3 + 2  # -l, -V and the three failed runs


def test_missing_binary_means_no_pairs() -> None:
    engine = ApertiumEngine("/nonexistent/apertium")
    assert engine.pairs() == frozenset()
