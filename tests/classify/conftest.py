"""Shared fixtures of the classification tests: the hand-labelled items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "classify"
ITEMS_PATH = DATA_DIR / "items.jsonl"


@pytest.fixture(scope="session")
def labelled_items() -> list[dict[str, object]]:
    return [json.loads(line) for line in ITEMS_PATH.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def items_by_id(labelled_items: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(item["id"]): item for item in labelled_items}
