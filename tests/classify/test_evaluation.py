"""The labelled set, the evaluation, and the quality floor (which only ever goes up)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.classify.evaluation import (
    evaluate_classifier,
    evaluate_items,
    format_report,
    read_labelled_items,
)
from pipeline.errors import ConfigError
from pipeline.records import REGIONS, THEMES

from .conftest import DATA_DIR, ITEMS_PATH

FLOOR_PATH = DATA_DIR / "quality_floor.json"
HELDOUT_PATH = DATA_DIR / "heldout_items.jsonl"
HELDOUT_FLOOR_PATH = DATA_DIR / "heldout_floor.json"
BLIND_PATH = DATA_DIR / "heldout2_items.jsonl"
BLIND_FLOOR_PATH = DATA_DIR / "heldout2_floor.json"
BLIND3_PATH = DATA_DIR / "heldout3_items.jsonl"
BLIND3_FLOOR_PATH = DATA_DIR / "heldout3_floor.json"
GENERAL_PATH = DATA_DIR / "general_items.jsonl"
GENERAL_FLOOR_PATH = DATA_DIR / "general_floor.json"
GENERAL_BLIND_PATH = DATA_DIR / "general_blind_items.jsonl"
GENERAL_BLIND_FLOOR_PATH = DATA_DIR / "general_blind_floor.json"


def test_labelled_set_is_large_balanced_and_covers_every_label(
    labelled_items: list[dict[str, object]],
) -> None:
    assert len(labelled_items) >= 200
    langs = Counter(str(i["lang"]) for i in labelled_items)
    main = [langs["fr"], langs["en"], langs["es"]]
    assert min(main) >= 60 and max(main) - min(main) <= 10, langs
    themes = {t for i in labelled_items for t in i["themes"]}  # type: ignore[attr-defined]
    regions = {r for i in labelled_items if i["relevant"] for r in i["regions"]}  # type: ignore[attr-defined]
    assert themes == set(THEMES)
    assert regions == set(REGIONS)
    for item in labelled_items:
        assert item["url"] and item["licence"] and item["source"], item["id"]
        assert set(item["themes"]) <= set(THEMES) and set(item["regions"]) <= set(REGIONS)  # type: ignore[arg-type]
        assert bool(item["themes"]) == bool(item["relevant"]), item["id"]
        assert item["regions"], item["id"]
    assert len({i["id"] for i in labelled_items}) == len(labelled_items)


@pytest.mark.parametrize("path", [HELDOUT_PATH, BLIND_PATH, BLIND3_PATH])
def test_held_out_sets_are_separate_real_and_labelled(path: Path) -> None:
    other_paths = {ITEMS_PATH, HELDOUT_PATH, BLIND_PATH, BLIND3_PATH} - {path}
    other_ids = {i.id for p in other_paths for i in read_labelled_items(p)}
    other_urls = {json.loads(line)["url"] for p in other_paths
                  for line in p.read_text(encoding="utf-8").splitlines()}
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    held_out = read_labelled_items(path)
    assert len(held_out) >= 40
    assert not other_ids & {i.id for i in held_out}
    assert not other_urls & {str(item["url"]) for item in raw}
    assert min(Counter(i.lang for i in held_out)[lang] for lang in ("fr", "en", "es")) >= 12
    for item in raw:
        assert str(item["url"]).startswith("http") and item["source"] and item["licence"]
        assert bool(item["themes"]) == bool(item["relevant"]) and item["regions"], item["id"]


@pytest.mark.parametrize(
    ("items_path", "floor_path"), [(ITEMS_PATH, FLOOR_PATH), (HELDOUT_PATH, HELDOUT_FLOOR_PATH),
                                      (BLIND_PATH, BLIND_FLOOR_PATH),
                                      (BLIND3_PATH, BLIND3_FLOOR_PATH),
                                      (GENERAL_PATH, GENERAL_FLOOR_PATH),
                                      (GENERAL_BLIND_PATH, GENERAL_BLIND_FLOOR_PATH)]
)
def test_quality_does_not_drop_below_the_floor(items_path: Path, floor_path: Path) -> None:
    floor = json.loads(floor_path.read_text(encoding="utf-8"))
    metrics = evaluate_classifier(items_path).metrics()
    below = {
        k: (metrics[k], v) for k, v in floor.items() if not k.startswith("_") and metrics[k] < v
    }
    assert not below, f"metric (now, floor): {below}"


def test_report_table_names_every_label() -> None:
    report = evaluate_items(read_labelled_items(ITEMS_PATH)[:3])
    assert report.items == 3
    text = format_report(report)
    assert "theme soil-carbon" in text and "region global" in text


def test_report_counts_errors_against_the_labels() -> None:
    items = read_labelled_items(ITEMS_PATH)[:20]
    flipped = [replace(i, relevant=not i.relevant) for i in items]
    report = evaluate_items(flipped)
    assert report.relevance.f1 < 0.5
    assert len(report.errors) >= 15


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ("{not json}\n", "line 1"),
        ('{"id": "x"}\n', "line 1"),
        ('\n{"id": 1}\n', "line 2"),
        ("[1, 2]\n", "line 1"),
        (
            '{"id": "x", "lang": "fr", "title": "", "text": "", "relevant": true,'
            ' "themes": ["soils"], "regions": []}\n',
            "line 1",
        ),
    ],
)
def test_bad_labelled_file_names_the_line(tmp_path: Path, content: str, path: str) -> None:
    file = tmp_path / "items.jsonl"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_labelled_items(file)
    assert caught.value.path == path
