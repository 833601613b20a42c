"""Cross-language story linking time for 10k and 50k items: growth must be no worse than n log n.

Items are assembled from real sentences of tests/data/classify/items.jsonl (same language per
item): a title sentence and four body sentences picked at random, dated within 90 days, so names,
places and numbers recur as they do in a real stream. Baseline in the same run: feature
extraction alone (linear in n); the ratio shows what the inverted index and pairing add.

Run: .venv/bin/python bench/classify_stories.py [N1 N2 ...]
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.classify import load_default_gazetteer
from pipeline.classify.stories import StoryCandidate, extract_features, link_stories

ITEMS = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify" / "items.jsonl"
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def build_candidates(count: int, seed: int = 7) -> list[StoryCandidate]:
    sentences: dict[str, list[str]] = {}
    for line in ITEMS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        pool = sentences.setdefault(str(item["lang"]), [])
        pool.append(str(item["title"]))
        pool.extend(s for s in _SENTENCE_RE.split(str(item["text"])) if len(s) > 40)
    langs = [lang for lang in ("fr", "en", "es") if sentences.get(lang)]
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for n in range(count):
        lang = rng.choice(langs)
        pool = sentences[lang]
        out.append(
            StoryCandidate(
                id=f"item-{n}",
                lang=lang,
                title=rng.choice(pool),
                text=" ".join(rng.choice(pool) for _ in range(4)),
                published_at=start + timedelta(minutes=rng.randrange(90 * 24 * 60)),
            )
        )
    return out


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 50_000]
    gazetteer = load_default_gazetteer()
    rows = []
    for size in sizes:
        items = build_candidates(size)
        start = time.perf_counter()
        for item in items:
            extract_features(item, gazetteer)
        features = time.perf_counter() - start
        start = time.perf_counter()
        groups = link_stories(items, gazetteer=gazetteer)
        linking = time.perf_counter() - start
        rows.append((size, features, linking, len(groups)))
        print(
            f"n={size:>7}: link_stories {linking:7.2f} s, features alone {features:6.2f} s "
            f"(ratio {linking / features:.2f}), {len(groups)} groups, "
            f"{linking / (size * math.log(size)) * 1e6:.2f} µs per n·ln n"
        )
    if len(rows) >= 2:
        (n1, _, t1, _), (n2, _, t2, _) = rows[0], rows[-1]
        nlogn = (n2 * math.log(n2)) / (n1 * math.log(n1))
        print(f"growth {n1}→{n2}: time x{t2 / t1:.2f}; n x{n2 / n1:.1f}; n log n x{nlogn:.2f}")


if __name__ == "__main__":
    main()
