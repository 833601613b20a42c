"""Article extraction overhead: ``extract_article`` against bare ``trafilatura.extract`` on the
same pages (tests/data/collect/articles), measured in the same run.

``extract_article`` calls trafilatura once (``bare_extraction`` with metadata, precision mode)
and adds cleaning, date normalisation and the language hint. Two baselines: ``extract`` with
trafilatura's defaults, and ``extract`` with the same options as ours. Each figure is the median
of ``--pairs`` interleaved pairs (ours against each baseline), each run ``--rounds`` passes over
all pages, CPU time beside wall time. Target (issue 3): overhead ≤ +10 % over ``extract`` with
the same options.

Run: .venv/bin/python bench/collect_extract.py [--rounds 3] [--pairs 5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import trafilatura
from harness import note_load, report, run_pairs

from pipeline.collect.articles import extract_article

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "collect" / "articles"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    note_load("start")
    cases = json.loads((DATA / "expected_snippets.json").read_text())
    pages = [((DATA / c["file"]).read_bytes(), c["url"]) for c in cases]

    def ours() -> None:
        for _ in range(args.rounds):
            for body, url in pages:
                extract_article(body, url=url)

    def bare_default() -> None:
        for _ in range(args.rounds):
            for body, url in pages:
                trafilatura.extract(body, url=url)

    def bare_same_options() -> None:
        for _ in range(args.rounds):
            for body, url in pages:
                trafilatura.extract(body, url=url, with_metadata=True, include_comments=False,
                                    favor_precision=True)

    ours()  # warm caches and imports
    per_page = len(pages) * args.rounds
    for name, baseline, target in (("trafilatura.extract, same options", bare_same_options,
                                    "≤ +10 %"),
                                   ("trafilatura.extract, its defaults", bare_default, "—")):
        pairs = run_pairs(ours, baseline, args.pairs)
        overhead = 1 / pairs.speedup - 1
        print(f"{len(pages)} pages × {args.rounds}: extract_article "
              f"{pairs.ours_median().wall * 1000 / per_page:.1f} ms/page against {name} "
              f"{pairs.base_median().wall * 1000 / per_page:.1f} ms/page: {overhead:+.1%} wall, "
              f"{1 / pairs.cpu_speedup - 1:+.1%} CPU (median of {args.pairs} pairs)")
        report(f"extract_article overhead over {name}",
               f"{overhead:+.1%} wall, {1 / pairs.cpu_speedup - 1:+.1%} CPU", target,
               overhead <= 0.10 if target != "—" else None, overhead)
    note_load("end")


if __name__ == "__main__":
    main()
