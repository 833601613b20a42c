"""Classification throughput on one core over 20,000 real-sized items.

Items are assembled from the real texts of tests/data/classify/items.jsonl (same language):
"real" items take the title of one real item and the text of another, so sizes follow the
labelled set (feed summaries to article excerpts); "long" items take 3-6 paragraphs of others
(article bodies). Baseline in the same run: cleaning, tokenising and
stemming the same items (the bare text work every classifier does); the ratio says what the
taxonomy matching, gazetteer and language identification cost on top.

Run: .venv/bin/python bench/classify_throughput.py [N]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from pipeline.classify import classify_item, load_default_gazetteer, load_default_taxonomy
from pipeline.classify.text import (
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    clean_text,
    get_stemmer,
    tokenize_words,
)

ITEMS = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify" / "items.jsonl"


def build_items(count: int, kind: str = "real", seed: int = 4) -> list[tuple[str, str, str]]:
    real = [json.loads(line) for line in ITEMS.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    texts: dict[str, list[str]] = {}
    paragraphs: dict[str, list[str]] = {}
    for item in real:
        lang = str(item["lang"])
        texts.setdefault(lang, []).append(str(item["text"]))
        for para in str(item["text"]).split("\n"):
            if len(para) > 80:
                paragraphs.setdefault(lang, []).append(para)
    out = []
    for _ in range(count):
        item = rng.choice(real)
        lang = str(item["lang"])
        if kind == "real":
            body = rng.choice(texts[lang])
        else:
            pool = paragraphs.get(lang) or paragraphs["en"]
            body = "\n".join(rng.choice(pool) for _ in range(rng.randint(3, 6)))
        out.append((lang, str(item["title"]), body))
    return out


def run_baseline(items: list[tuple[str, str, str]]) -> None:
    for lang, title, body in items:
        stemmer = get_stemmer(lang)
        stemmer.stem_words(tokenize_words(clean_text(title, TITLE_MAX_CHARS)))
        stemmer.stem_words(tokenize_words(clean_text(body, TEXT_MAX_CHARS)))


def run_classifier(items: list[tuple[str, str, str]]) -> None:
    for _lang, title, body in items:
        classify_item(title, body)


def measure(items: list[tuple[str, str, str]], rounds: int = 2) -> tuple[float, float]:
    """Best-of-``rounds`` seconds for the baseline and for classify_item, interleaved."""
    timings: dict[str, list[float]] = {"baseline": [], "classify": []}
    for _round in range(rounds):
        for name, func in (("baseline", run_baseline), ("classify", run_classifier)):
            start = time.perf_counter()
            func(items)
            timings[name].append(time.perf_counter() - start)
    return min(timings["baseline"]), min(timings["classify"])


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    load_default_taxonomy()
    load_default_gazetteer()
    classify_item("warm-up", "warm up the caches and models")
    for kind in ("real", "long"):
        items = build_items(count, kind)
        mean_chars = statistics.mean(len(t) + len(b) for _, t, b in items)
        base, full = measure(items)
        print(f"[{kind}] items: {count}, mean size {mean_chars:.0f} characters (title + body)")
        print(f"[{kind}] baseline (clean + tokenise + stem): {count / base:,.0f} items/s")
        print(f"[{kind}] classify_item:                     {count / full:,.0f} items/s")
        print(f"[{kind}] ratio classify / baseline time: {full / base:.2f}")


if __name__ == "__main__":
    main()
