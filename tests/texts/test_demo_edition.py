"""The demo edition as the team's editor reads it: one entry for the INRA study reported by two
outlets, summaries that do not repeat their title, names kept, no "terroir" for soil."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_pipeline


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = tmp_path_factory.mktemp("demo")
    done = run_pipeline(["demo", "--out", str(out), "--no-serve"],
                        cwd=tmp_path_factory.mktemp("elsewhere"))  # not under the web archive
    assert done.returncode == 0, done.stderr
    yield done.stdout, out


def entries(text: str) -> list[list[str]]:
    """The entries of a plain-text edition: title lines then summary lines, per "* " block."""
    blocks = re.split(r"\n\* ", text)[1:]
    return [[line.strip() for line in block.split("\n") if line.strip()] for block in blocks]


def test_the_inra_study_is_one_entry_with_also_in(demo: tuple[str, Path]) -> None:
    stdout, out = demo
    assert "2 items linked into stories" in stdout
    french = " ".join((out / "press-review" / "fr.txt").read_text(encoding="utf-8").split())
    assert french.count("étude INRA 4 pour 1000") == 1
    assert french.count("actu-environnement.com/ae/news/etude-inra") == 1  # as "Aussi en"
    assert "Aussi en : français (Actu-Environnement)" in french


def test_no_summary_repeats_its_title(demo: tuple[str, Path]) -> None:
    _, out = demo
    french = (out / "press-review" / "fr.txt").read_text(encoding="utf-8")
    muraille = [e for e in entries(french) if e[0].startswith("La Grande Muraille Verte")]
    assert muraille, "the Great Green Wall article is in the French edition"
    assert " ".join(muraille[0][1:]).startswith("La Grande Muraille Verte d’Afrique (GMV)")


def test_names_and_soil_survive_translation(demo: tuple[str, Path]) -> None:
    _, out = demo
    english = " ".join((out / "press-review" / "en.txt").read_text(encoding="utf-8").split())
    french = " ".join((out / "press-review" / "fr.txt").read_text(encoding="utf-8").split())
    assert "The conservation agriculture in the Sierra Norte de Puebla" in english
    assert "Sierra Norte de Puebla" in french
    assert "Healthy soils" not in french and "sols" in french
    assert "santé de terroir" not in french
