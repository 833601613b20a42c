from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.errors import ParseError
from pipeline.translate.memory import (
    InMemoryTranslationMemory,
    export_tmx,
    import_tmx,
    remember_entries,
)


def test_lookup_returns_only_known_segments() -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("fr", "en", [("Le sol.", "The soil.")], "machine", "apertium 3.8.3")
    assert memory.lookup("fr", "en", ["Le sol.", "La terre."]) == {"Le sol.": "The soil."}
    assert memory.lookup("fr", "es", ["Le sol."]) == {}


def test_a_person_wins_over_the_machine() -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("fr", "en", [("Le sol.", "The ground.")], "machine", "apertium")
    memory.remember("fr", "en", [("Le sol.", "The soil.")], "reviewed", "alice")
    memory.remember("fr", "en", [("Le sol.", "The earth.")], "machine", "apertium")
    assert memory.lookup("fr", "en", ["Le sol."]) == {"Le sol.": "The soil."}
    memory.remember("fr", "en", [("Le sol.", "Soil.")], "approved", "bob")
    assert memory.lookup("fr", "en", ["Le sol."]) == {"Le sol.": "Soil."}


def test_tmx_export_is_valid_tmx_14_and_round_trips(tmp_path: Path) -> None:
    entries = [
        ("fr", "en", "La FAO & le <b>CIRAD</b>.", "FAO & <b>CIRAD</b>."),
        ("fr", "es", "L'Initiative « 4 pour 1000 ».", "La Iniciativa « 4 por 1000 »."),
        ("en", "fr", "Emoji 😀 and שלום", "Émoji 😀 et שלום"),
    ]
    path = tmp_path / "memory.tmx"
    assert export_tmx(entries, path) == 3
    root = etree.parse(str(path)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    for required in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang",
                     "srclang", "datatype"):
        assert header.get(required), required
    units = root.findall("body/tu")
    assert len(units) == 3
    for tu in units:
        langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tu]
        assert len(langs) == 2 and all(langs)
        assert all(tuv.find("seg") is not None for tuv in tu)
    assert import_tmx(path) == entries


def test_control_characters_do_not_break_the_tmx(tmp_path: Path) -> None:
    path = tmp_path / "m.tmx"
    export_tmx([("fr", "en", "a\x00b\x07c", "abc")], path)
    assert import_tmx(path) == [("fr", "en", "abc", "abc")]


def test_a_file_that_is_not_tmx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.tmx"
    path.write_text("<html><body/></html>")
    with pytest.raises(ParseError):
        import_tmx(path)
    path.write_text("not xml at all <")
    with pytest.raises(ParseError):
        import_tmx(path)


def test_tmx_from_another_tool_feeds_the_memory(tmp_path: Path) -> None:
    path = tmp_path / "other.tmx"
    path.write_text(
        '<?xml version="1.0"?><tmx version="1.4"><header srclang="en" creationtool="x" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" '
        'datatype="plaintext"/><body><tu><tuv xml:lang="en"><seg>Soil <bpt i="1">&lt;b&gt;'
        '</bpt>health<ept i="1">&lt;/b&gt;</ept>.</seg></tuv><tuv xml:lang="fr"><seg>'
        "Santé des sols.</seg></tuv><tuv xml:lang=\"es\"><seg>Salud del suelo.</seg></tuv>"
        "</tu></body></tmx>", encoding="utf-8")
    entries = import_tmx(path)
    assert entries == [("en", "fr", "Soil <b>health</b>.", "Santé des sols."),
                       ("en", "es", "Soil <b>health</b>.", "Salud del suelo.")]
    memory = InMemoryTranslationMemory()
    assert remember_entries(memory, entries) == 2
    assert memory.lookup("en", "es", ["Soil <b>health</b>."]) == {
        "Soil <b>health</b>.": "Salud del suelo."}
