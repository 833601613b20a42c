"""The click commands eval_classify and inspect_classify, run through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.commands.classify import eval_classify, inspect_classify
from pipeline.errors import ConfigError

from .conftest import ITEMS_PATH


def test_eval_classify_reads_the_checkouts_set_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ITEMS_PATH.parents[3])
    result = CliRunner().invoke(eval_classify, ["--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"] >= 200


def test_eval_classify_outside_a_checkout_asks_for_a_labelled_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The labelled sets belong to a checkout (tests/data/classify/), not to the package."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(eval_classify, [])
    assert isinstance(result.exception, ConfigError)
    assert "--items" in str(result.exception)


def test_eval_classify_prints_the_table() -> None:
    result = CliRunner().invoke(eval_classify, ["--items", str(ITEMS_PATH)])
    assert result.exit_code == 0, result.output
    assert "language accuracy, titles alone" in result.output
    for label in ("relevant", "theme initiative", "region oceania"):
        assert label in result.output


def test_eval_classify_json_has_the_headline_metrics() -> None:
    result = CliRunner().invoke(eval_classify, ["--json", "--items", str(ITEMS_PATH)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["items"] >= 200
    assert 0.0 < metrics["relevance_f1"] <= 1.0


def test_inspect_classify_reads_and_writes_json_lines() -> None:
    lines = [
        {"id": "1", "title": "Des haies au Sénégal", "text": "Agroforesterie et sols."},
        {"id": "2", "title": "Juventus wins again", "text": "A late penalty decided the match."},
        {"id": "3", "title": "", "text": ""},
        {"id": "4", "title": "Soils", "text": "", "source_lang": "en", "source_region": "asia",
         "source_relevance": "always", "source_themes": ["science"]},
    ]  # fmt: skip
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    result = CliRunner().invoke(inspect_classify, [], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["1", "2", "3", "4"]
    assert set(out[0]) == {"id", "lang", "relevant", "themes", "regions"}
    assert out[0]["lang"] == "fr" and out[0]["relevant"] and out[0]["regions"] == ["africa"]
    assert not out[1]["relevant"]
    assert out[2]["lang"] == "und"
    assert out[3]["relevant"] and out[3]["regions"] == ["asia"]


def test_inspect_classify_evidence_flag_adds_evidence() -> None:
    stdin = json.dumps({"id": "x", "title": "Cover crops in Kenya", "text": ""}) + "\n"
    result = CliRunner().invoke(inspect_classify, ["--evidence"], input=stdin)
    out = json.loads(result.output)
    assert out["evidence"]["places"] == {"Kenya": 1}


def test_inspect_classify_bad_line_is_a_config_error() -> None:
    result = CliRunner().invoke(
        inspect_classify, [], input='{"id": "ok", "title": "x"}\nnot json\n'
    )
    assert isinstance(result.exception, ConfigError)
    assert "stdin line 2" in str(result.exception)
