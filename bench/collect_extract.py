"""Article extraction overhead: ``extract_article`` against bare ``trafilatura.extract`` on the
same pages (tests/data/collect/articles), measured in the same run.

``extract_article`` calls trafilatura once (``bare_extraction`` with metadata, precision mode)
and adds cleaning, date normalisation and the language hint. Two baselines: ``extract`` with
trafilatura's defaults, and ``extract`` with the same options as ours. Each figure is the best
of several rounds over all pages (the minimum is the least noisy estimate on a shared machine).

Run: .venv/bin/python bench/collect_extract.py [ROUNDS]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from pipeline.collect.articles import extract_article

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "collect" / "articles"


def best_of(rounds: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    cases = json.loads((DATA / "expected_snippets.json").read_text())
    pages = [((DATA / c["file"]).read_bytes(), c["url"]) for c in cases]

    def ours() -> None:
        for body, url in pages:
            extract_article(body, url=url)

    def bare_default() -> None:
        for body, url in pages:
            trafilatura.extract(body, url=url)

    def bare_same_options() -> None:
        for body, url in pages:
            trafilatura.extract(body, url=url, with_metadata=True, include_comments=False,
                                favor_precision=True)

    ours()  # warm caches and imports
    timings = {}
    for _ in range(3):  # interleave the three so load changes hit all of them
        for name, run in (("extract_article", ours), ("trafilatura.extract defaults",
                                                         bare_default),
                          ("trafilatura.extract same options", bare_same_options)):
            timings[name] = min(timings.get(name, float("inf")), best_of(rounds, run))
    base = timings["trafilatura.extract same options"]
    print(f"{len(pages)} pages, best of {rounds * 3} rounds")
    for name, seconds in timings.items():
        print(f"  {name:34s} {seconds * 1000 / len(pages):7.1f} ms/page  "
              f"{seconds / base:5.2f}x")
    overhead = timings["extract_article"] / base - 1
    default_overhead = timings["extract_article"] / timings["trafilatura.extract defaults"] - 1
    print(f"overhead over extract with the same options: {overhead:+.1%} (target <= 10%)")
    print(f"overhead over extract with its defaults:    {default_overhead:+.1%}")


if __name__ == "__main__":
    main()
