"""Argos engine with a tiny package built by the test (random weights: never judge quality)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import TranslationError
from pipeline.translate.apertium import ApertiumEngine
from pipeline.translate.argos import ArgosEngine, install_package
from pipeline.translate.engines import FLAG_GLOSSARY_VIOLATION, FLAG_NEEDS_TRANSLATION
from pipeline.translate.glossary import Glossary
from pipeline.translate.segment import split_sentences
from pipeline.translate.translator import Translator

from .conftest import read_tsv
from .tiny_argos import build_package


@pytest.fixture(scope="session")
def tiny_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("argos-build")
    return {pair: build_package(work / pair, *pair.split("-"))
            for pair in ("fr-en", "en-es")}


@pytest.fixture
def packages_dir(tmp_path: Path, tiny_packages: dict[str, Path]) -> Path:
    target = tmp_path / "packages"
    for archive in tiny_packages.values():
        install_package(archive, target)
    return target


def test_install_from_a_local_file(tmp_path: Path, tiny_packages: dict[str, Path]) -> None:
    installed = install_package(tiny_packages["fr-en"], tmp_path / "p")
    assert (installed / "metadata.json").is_file()
    assert (installed / "model" / "model.bin").is_file()
    assert (installed / "sentencepiece.model").is_file()
    assert ArgosEngine([tmp_path / "p"]).pairs() == {("fr", "en")}
    # installing again replaces the package in place
    assert install_package(tiny_packages["fr-en"], tmp_path / "p") == installed


@pytest.mark.parametrize("content", ["not a zip", "traversal", "no-metadata", "two-dirs"])
def test_bad_package_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.argosmodel"
    if content == "not a zip":
        path.write_bytes(b"hello")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            if content == "traversal":
                archive.writestr("pkg/metadata.json", '{"from_code": "fr", "to_code": "en"}')
                archive.writestr("pkg/model/model.bin", "x")
                archive.writestr("pkg/../../evil.txt", "x")
            elif content == "no-metadata":
                archive.writestr("pkg/model/model.bin", "x")
            else:
                archive.writestr("a/metadata.json", "{}")
                archive.writestr("b/model/model.bin", "x")
    with pytest.raises(TranslationError):
        install_package(path, tmp_path / "p")
    assert not (tmp_path / "evil.txt").exists()
    assert not any((tmp_path / "p").glob("*/metadata.json"))


def test_unknown_name_offline_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TranslationError, match="not a pair"):
        install_package("no-such-file-or-pair.argosmodel-x-y", tmp_path)


def test_batch_is_one_ctranslate2_call_same_count_and_order(packages_dir: Path) -> None:
    rows = read_tsv("ntrex128.head30.en-fr-es.tsv")
    segments = [row["fr"] for row in rows] + ["", "   "]
    engine = ArgosEngine([packages_dir], max_decoding_length=40)
    results = engine.translate_batch(segments, "fr", "en")
    assert engine.batch_calls == 1
    assert len(results) == len(segments)
    assert results[-2].text == "" and results[-1].text == "   "
    assert all(r.engine == "argos" and r.engine_version == "fr-en 0.0.1" for r in results)
    again = engine.translate_batch(segments[:3], "fr", "en")
    assert [r.text for r in again] == [r.text for r in results[:3]]


def test_pivot_through_english(packages_dir: Path) -> None:
    engine = ArgosEngine([packages_dir], max_decoding_length=20)
    assert ("fr", "es") in engine.pairs() and ("es", "fr") not in engine.pairs()
    results = engine.translate_batch(["Le sol est vivant.", "La terre."], "fr", "es")
    assert engine.batch_calls == 2
    assert results[0].engine_version == "fr-en 0.0.1 + en-es 0.0.1"
    assert engine.translate_batch(["x"], "es", "fr")[0].flags == (FLAG_NEEDS_TRANSLATION,)


@pytest.mark.apertium
def test_engine_order_falls_back_per_pair(packages_dir: Path, apertium: None) -> None:
    translator = Translator([ArgosEngine([packages_dir], max_decoding_length=20),
                             ApertiumEngine()])
    assert [e.name for e in translator.candidates("fr", "en")] == ["argos", "apertium"]
    assert [e.name for e in translator.candidates("en", "fr")] == ["apertium"]
    [fr_en] = translator.translate_segments(["Le sol est vivant."], "fr", "en")
    [en_fr] = translator.translate_segments(["The soil is alive."], "en", "fr")
    assert fr_en.engine == "argos" and en_fr.engine == "apertium"


def test_glossary_violations_are_flagged_with_a_model_that_drops_placeholders(
    packages_dir: Path, glossary: Glossary
) -> None:
    rows = read_tsv("glossary_sentences.tsv")
    translator = Translator([ArgosEngine([packages_dir], max_decoding_length=30)],
                            glossary=glossary)
    results = translator.translate_segments([r["fr"] for r in rows], "fr", "en")
    assert len(results) == len(rows)
    for row, result in zip(rows, results, strict=True):
        terms = [m.target_text for m in glossary.find_terms(row["fr"], "fr", "en")]
        missing = any(term not in result.text for term in terms)
        assert (FLAG_GLOSSARY_VIOLATION in result.flags) == missing


class _OneChunk:
    """argostranslate's sentence splitter (MiniSBD) would download a model: here each text is
    one chunk, as the engine receives one sentence per segment."""

    def split_sentences(self, text: str) -> list[str]:
        return [text]


def test_batch_output_equals_argostranslate_on_the_same_model(
    tmp_path: Path, tiny_packages: dict[str, Path]
) -> None:
    from argostranslate.package import Package
    from argostranslate.translate import Language, PackageTranslation

    rows = read_tsv("ntrex128.head30.en-fr-es.tsv") + read_tsv("glossary_sentences.tsv")
    sentences = [part.text for row in rows for part in split_sentences(row["fr"], "fr")
                 if part.text.strip()]
    assert len(sentences) >= 40
    installed = install_package(tiny_packages["fr-en"], tmp_path / "p")
    reference = PackageTranslation(Language("fr", "French"), Language("en", "English"),
                                   Package(installed))
    reference.sentencizer = _OneChunk()  # type: ignore[assignment]
    expected = [reference.translate(sentence) for sentence in sentences]

    results = ArgosEngine([tmp_path / "p"]).translate_batch(sentences, "fr", "en")
    assert [r.text for r in results] == expected
