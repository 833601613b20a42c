"""The relevance model: decisions on general-outlet items, their explanation, the "to check"
band, training by one command, and the model file's safety."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline.classify import classify_item
from pipeline.classify.evaluation import read_labelled_items
from pipeline.classify.model import DEFAULT_MODEL_PATH, load_default_model, load_model
from pipeline.cli import cli
from pipeline.errors import ConfigError

from .conftest import DATA_DIR

GENERAL_PATH = DATA_DIR / "general_items.jsonl"
BLIND_PATH = DATA_DIR / "general_blind_items.jsonl"


def test_bundled_model_is_versioned_and_names_its_training_set() -> None:
    model = load_default_model()
    assert model is not None
    meta = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert model.version and len(meta["training_set_sha256"]) == 64
    assert "general_items.jsonl" in meta["training_origins"]
    assert "general_blind_items.jsonl" not in meta["training_origins"]
    assert "heldout3_items.jsonl" not in meta["training_origins"]


def test_blind_part_never_overlaps_the_training_part() -> None:
    train = {i.id for i in read_labelled_items(GENERAL_PATH)}
    blind = read_labelled_items(BLIND_PATH)
    assert len(train) + len(blind) >= 400 and not train & {i.id for i in blind}
    assert {i.lang for i in blind} == {"fr", "en", "es"} and sum(i.relevant for i in blind) >= 15


@pytest.mark.parametrize(("title", "text"), [
    ("¿Qué serpientes podemos tener en casa? La serpiente del maíz",
     "La serpiente del maíz es dócil y fácil de mantener en un terrario."),
    ("Dyson V15 deal: the cordless vacuum is £150 off today",
     "The best vacuum cleaner deal of the week, ends at midnight."),
])
def test_hard_negatives_are_left_out_or_put_before_an_editor(title: str, text: str) -> None:
    result = classify_item(title, text)
    assert not result.relevant or result.evidence["relevance"]["to_check"]  # type: ignore[index]


def test_a_wildfire_wave_is_relevant_and_the_evidence_says_why() -> None:
    result = classify_item(
        "Incendios forestales: una ola de fuegos quema 25.000 hectáreas en Galicia",
        "Los incendios han arrasado 25.000 hectáreas de monte y tierras de cultivo; la sequía "
        "y el calor extremo, agravados por el cambio climático, alimentan las llamas.",
        source_country="ES")
    assert result.relevant and result.regions[:1] == ("europe",)
    relevance = result.evidence["relevance"]
    assert isinstance(relevance, dict) and relevance["decided_by"] == "model"
    model = relevance["model"]
    assert model["probability"] == result.relevance_score >= model["threshold"]
    assert model["for"] and all(weight > 0 for _name, weight in model["for"])
    assert isinstance(relevance["to_check"], bool)


def test_items_near_the_threshold_are_marked_to_check() -> None:
    model = load_default_model()
    assert model is not None
    for logit, expected in ((0.0, abs(0.5 - model.threshold) < model.band), (8.0, False)):
        model_copy = type(model)(model.weights, logit, model.threshold, model.band)
        assert model_copy.predict({}).to_check is expected


def test_source_always_stays_relevant_and_rules_alone_still_work() -> None:
    text = "Le club a gagné 3-0 samedi soir."
    assert classify_item("Football : victoire", text, source_relevance="always").relevant
    rules = classify_item("Football : victoire", text, use_model=False)
    assert not rules.relevant and rules.evidence["relevance"]["decided_by"] == "rules"  # type: ignore[index]


def test_classify_train_writes_a_model_the_classifier_loads(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = CliRunner().invoke(
        cli, ["classify", "train", "--no-corrections", "--items", str(DATA_DIR / "items.jsonl"),
              "--out", str(out)], env={"PIPELINE_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "trained on 201 items" in result.output and out.is_file()
    model = load_model(out)
    assert model.metadata["training_origins"] == {"items.jsonl": 201}
    assert classify_item("Cover crops raise soil organic carbon", "", model=model).relevant


def test_a_model_file_that_is_not_a_plain_array_is_refused(tmp_path: Path) -> None:
    meta = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(meta), encoding="utf-8")
    np.savez(tmp_path / "bad.npz", weights=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ConfigError, match="invalid relevance model"):
        load_model(bad)
    bad.write_text(json.dumps({**meta, "feature_version": 0}), encoding="utf-8")
    np.savez(tmp_path / "bad.npz", weights=np.zeros(4, dtype=np.float32))
    with pytest.raises(ConfigError, match="classify train"):
        load_model(bad)


@pytest.mark.parametrize("text", [
    "",
    "Chicken pie may not win you many followers on Instagram, but it is the ultimate comfort food",
])
def test_a_recipe_with_one_food_word_is_not_relevant(text: str) -> None:
    """The issue's chicken-pie recipe: one everyday word ("food", three times over in a title)
    used to weigh like a paragraph on soils in the model's rule features."""
    result = classify_item("Supreme comfort food: how to make chicken pie | Felicity Cloake", text,
                           source_lang="en", source_country="GB")
    assert not result.relevant and not result.evidence["relevance"]["to_check"]  # type: ignore[index]


def test_bundled_threshold_comes_from_the_documented_rule() -> None:
    meta = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    low, high = meta["threshold_plateau"]
    assert low <= meta["threshold"] <= high and "median" in meta["threshold_rule"]
    assert meta["calibration"]["scale"] > 0
