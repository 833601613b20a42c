"""Near-duplicate grouping time at 10k, 50k and 100k items: growth must be linear.

Items are synthetic news texts of 120–200 words drawn from a 5,000-word vocabulary; one item in
ten is a re-publication of an earlier one (a few words changed, a prefix and suffix added) as
agency copy is. The time per item should stay flat as n grows; the script also checks that the
planted duplicates are found (recall) and that few unrelated items are grouped (false groups).

Target (issue 3): linear growth: the time per item at the largest n at most 1.5× the time per
item at the smallest (one run per size: each is long enough to time on its own).

Run: .venv/bin/python bench/collect_dedupe.py [N1 N2 ...]
"""

from __future__ import annotations

import random
import sys
import time

from harness import note_load, report

from pipeline.collect.dedupe import group_near_duplicates


def make_items(n: int, seed: int = 42) -> tuple[list[tuple[str, str]], dict[str, str]]:
    rng = random.Random(seed)
    vocabulary = [f"w{index}" for index in range(5000)]
    items: list[tuple[str, str]] = []
    copies: dict[str, str] = {}
    for index in range(n):
        key = f"i{index}"
        if index > 10 and index % 10 == 0:
            origin_key, origin_text = items[rng.randrange(len(items))]
            words = origin_text.split()
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            items.append((key, "PARIS (AFP) " + " ".join(words) + " (with Reuters)"))
            copies[key] = origin_key
        else:
            items.append((key, " ".join(rng.choices(vocabulary, k=rng.randint(120, 200)))))
    return items, copies


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 50_000, 100_000]
    note_load("start")
    print(f"{'items':>8} {'seconds':>8} {'µs/item':>8} {'vs first':>8} {'recall':>7} "
          f"{'groups':>7}")
    first_per_item = None
    for n in sizes:
        items, copies = make_items(n)
        start = time.perf_counter()
        groups = group_near_duplicates(items)
        seconds = time.perf_counter() - start
        group_of = {key: index for index, group in enumerate(groups) for key in group}
        found = sum(1 for copy, origin in copies.items()
                    if copy in group_of and group_of[copy] == group_of.get(origin))
        per_item = seconds / n * 1e6
        first_per_item = first_per_item or per_item
        print(f"{n:>8} {seconds:>8.2f} {per_item:>8.1f} {per_item / first_per_item:>8.2f} "
              f"{found / max(len(copies), 1):>7.1%} {len(groups):>7}")
        report(f"near-duplicate grouping, {n:,} items", f"{seconds:.2f} s, {per_item:.0f} µs/item, "
               f"recall of planted copies {found / max(len(copies), 1):.1%}", value=seconds)
    growth = per_item / (first_per_item or per_item)
    report(f"near-duplicate grouping: time per item at {sizes[-1]:,} / at {sizes[0]:,}",
           f"{growth:.2f}", "≤ 1.5 (linear)", growth <= 1.5, growth)
    note_load("end")


if __name__ == "__main__":
    main()
