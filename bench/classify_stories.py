"""Story linking at scale (10k, 50k, 100k items): time against n log n, and recall of planted
same-story pairs, with the index as it is and with posting lists capped at 64 (the old cap).

The stream is made of news-like items: the words, names and numbers of each item are drawn with
the frequencies they have in the real texts of tests/data/classify/items.jsonl (common ones
recur as in a real stream, rare ones rarely; a stream made of whole real sentences, as before,
repeats each sentence in dozens of items and is a stream of near-duplicates), dated within 90
days. Into that stream, real reports of one
story are planted: every same-story pair of the hand-labelled story set (tests/data/stories)
that falls within one period, each pair copied 50 times per 10,000 items at random days of the
90 (the two reports of a copy 0-5 days apart, as published). Recall = planted pairs that end up
in one group. Baseline in the same run: feature extraction alone (linear in n).

Run: .venv/bin/python bench/classify_stories.py [--sizes 10000 50000 100000] [--repeat 5]
     .venv/bin/python bench/classify_stories.py --quality   (the labelled set, deterministic)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations, pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.classify import load_default_gazetteer  # noqa: E402
from pipeline.classify.stories import (  # noqa: E402
    LinkStats,
    StoryCandidate,
    extract_features,
    link_stories,
)
from pipeline.classify.story_eval import (  # noqa: E402
    PERIOD_DAYS,
    evaluate_links,
    format_story_report,
    load_story_set,
    with_english_titles,
)

DATA = ROOT / "tests" / "data"
ITEMS = DATA / "classify" / "items.jsonl"
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
START = datetime(2026, 1, 1, tzinfo=UTC)
COPIES_PER_10K = 50
OLD_CAP = 64


def build_stream(count: int, seed: int = 7) -> list[StoryCandidate]:
    """``count`` news-like items: words, names and numbers drawn with the frequencies they have
    in the real texts of the labelled sets (so common words and names recur as in a stream,
    rare ones rarely), days of the year written out, 90 days of publication dates."""
    words: dict[str, Counter[str]] = {}
    names: dict[str, Counter[str]] = {}
    for line in ITEMS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        lang = str(item["lang"])
        for sentence in _SENTENCE_RE.split(f"{item['title']}. {item['text']}"):
            tokens = re.findall(r"[^\W\d_]+", sentence)
            for position, token in enumerate(tokens):
                if position and token[0].isupper():
                    names.setdefault(lang, Counter())[token] += 1
                elif token.islower() and len(token) > 1:
                    words.setdefault(lang, Counter())[token] += 1
    langs = [lang for lang in ("fr", "en", "es") if words.get(lang) and names.get(lang)]
    tables = {lang: (list(words[lang]), list(words[lang].values()), list(names[lang]),
                     list(names[lang].values())) for lang in langs}
    months = {"fr": "mars", "en": "March", "es": "marzo"}
    rng = random.Random(seed)

    def sentence(lang: str, length: int) -> str:
        word_list, word_weights, name_list, name_weights = tables[lang]
        picked = rng.choices(word_list, word_weights, k=length)
        for _ in range(rng.randrange(1, 4)):
            picked.insert(rng.randrange(1, length), rng.choices(name_list, name_weights)[0])
        if rng.random() < 0.3:
            picked.insert(rng.randrange(1, length), str(rng.randrange(10, 5000)))
        if rng.random() < 0.1:
            picked.insert(rng.randrange(1, length), f"{rng.randrange(1, 29)} {months[lang]}")
        text = " ".join(picked)
        return text[:1].upper() + text[1:] + "."

    out = []
    for n in range(count):
        lang = rng.choice(langs)
        out.append(StoryCandidate(
            id=f"item-{n}", lang=lang, title=sentence(lang, 9).rstrip("."),
            text=" ".join(sentence(lang, 16) for _ in range(5)), source=f"outlet-{n % 400}",
            published_at=START + timedelta(minutes=rng.randrange(90 * 24 * 60))))
    return out


def labelled_pairs() -> list[tuple[StoryCandidate, StoryCandidate]]:
    """Same-story pairs of the labelled set within one period: reports by two outlets (same
    language or not) and NTREX-128 documents with their translations."""
    items = load_story_set(DATA)
    pairs = []
    for a, b in combinations(items, 2):
        if a.story != b.story:
            continue
        x, y = a.candidate.published_at, b.candidate.published_at
        if x and y and abs((x - y).total_seconds()) > PERIOD_DAYS * 86_400:
            continue
        pairs.append((a.candidate, b.candidate))
    return pairs


def plant(stream: list[StoryCandidate], pairs: list[tuple[StoryCandidate, StoryCandidate]],
          seed: int = 11) -> tuple[list[StoryCandidate], list[tuple[str, str]]]:
    rng = random.Random(seed)
    copies = max(1, COPIES_PER_10K * len(stream) // 10_000 // max(len(pairs), 1))
    planted: list[tuple[str, str]] = []
    items = list(stream)
    for number in range(copies):
        for a, b in pairs:
            day = START + timedelta(days=rng.randrange(85))
            first = replace(a, id=f"p{number}-{a.id}-{b.id}-a", published_at=day)
            second = replace(b, id=f"p{number}-{a.id}-{b.id}-b",
                             published_at=day + timedelta(days=rng.randrange(6)))
            items.insert(rng.randrange(len(items) + 1), first)
            items.insert(rng.randrange(len(items) + 1), second)
            planted.append((first.id, second.id))
    return items, planted


def recall_of(groups: list[list[str]], planted: list[tuple[str, str]],
              languages: dict[str, str], same: bool) -> float:
    group_of = {item_id: n for n, group in enumerate(groups) for item_id in group}
    kept = [(a, b) for a, b in planted if (languages[a] == languages[b]) == same]
    return sum(group_of[a] == group_of[b] for a, b in kept) / max(len(kept), 1)


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(size: int, repeat: int, pairs: list[tuple[StoryCandidate, StoryCandidate]],
            exhaustive: bool = False) -> dict[str, float]:
    gazetteer = load_default_gazetteer()
    items, planted = plant(build_stream(size), pairs)
    languages = {item.id: item.lang for item in items}
    runs = []
    for _ in range(repeat):
        _, feature_wall, feature_cpu = timed(
            lambda: [extract_features(item, gazetteer) for item in items])
        stats = LinkStats()
        groups, link_wall, link_cpu = timed(link_stories, items, gazetteer=gazetteer,
                                            stats=stats)
        runs.append((link_wall, link_cpu, feature_wall, feature_cpu))
    capped_stats = LinkStats()
    capped = link_stories(items, gazetteer=gazetteer, stats=capped_stats, max_postings=OLD_CAP)
    row = {
        "n": len(items), "planted": len(planted),
        "link_wall": statistics.median(r[0] for r in runs),
        "link_cpu": statistics.median(r[1] for r in runs),
        "feature_wall": statistics.median(r[2] for r in runs),
        "feature_cpu": statistics.median(r[3] for r in runs),
        "ratio": statistics.median(r[1] / r[3] for r in runs),
        "same": recall_of(groups, planted, languages, True),
        "cross": recall_of(groups, planted, languages, False),
        "postings": stats.postings, "candidates": stats.candidate_pairs,
        "links": stats.linked_pairs,
        "capped_same": recall_of(capped, planted, languages, True),
        "capped_cross": recall_of(capped, planted, languages, False),
        "capped_dropped": capped_stats.postings_dropped / max(
            capped_stats.postings + capped_stats.postings_dropped, 1),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if exhaustive:
        every = link_stories(items, gazetteer=gazetteer, exhaustive=True)
        row["exhaustive_same"] = recall_of(every, planted, languages, True)
        row["exhaustive_cross"] = recall_of(every, planted, languages, False)
        row["identical"] = float(sorted(map(sorted, every)) == sorted(map(sorted, groups)))
    return row


def quality() -> None:
    """Precision and recall on the labelled set, titles machine-translated as in the
    pipeline (Apertium) and without translations; dated and in one period."""
    from pipeline.translate import ApertiumEngine
    from pipeline.translate.translator import Translator

    translator = Translator([ApertiumEngine()])

    def english(titles: list[str], lang: str) -> list[str]:
        if lang not in ("fr", "es"):
            return ["" for _ in titles]
        return [r.text for r in translator.translate_segments(titles, lang, "en")]

    for translated in (True, False):
        for dated in (True, False):
            items = load_story_set(DATA, dated=dated)
            if translated:
                items = with_english_titles(items, english)
            titles = "titles translated (Apertium)" if translated else "no translated titles"
            period = "dated" if dated else "one period (dates dropped)"
            print(f"\n### {titles}, {period}\n")
            print(format_story_report(evaluate_links(items)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--check", type=int, default=2_000,
                        help="also compare every pair on a stream of this size (0: skip)")
    args = parser.parse_args()
    if args.quality:
        quality()
        return
    pairs = labelled_pairs()
    print(f"load average {os.getloadavg()[0]:.1f}; {len(pairs)} labelled same-story pairs, "
          f"planted {COPIES_PER_10K} pairs per 10,000 items; median of {args.repeat} runs\n")
    if args.check:
        row = measure(args.check, 1, pairs, exhaustive=True)
        print(f"n = {row['n']:,}, every pair compared: recall same language "
              f"{row['exhaustive_same']:.3f}, across languages {row['exhaustive_cross']:.3f}; "
              f"the index: {row['same']:.3f}, {row['cross']:.3f}; groups identical: "
              f"{bool(row['identical'])}\n")
    print("| n | link: wall (CPU) | features alone: wall (CPU) | CPU ratio | CPU µs per n·ln n "
          "| candidate pairs | recall of planted pairs: same language / across | with a cap "
          "of 64 per posting list: postings dropped, recall | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for size in args.sizes:
        row = measure(size, args.repeat, pairs)
        rows.append(row)
        n = row["n"]
        print(f"| {n:,} | {row['link_wall']:.2f} s ({row['link_cpu']:.2f} s) | "
              f"{row['feature_wall']:.2f} s ({row['feature_cpu']:.2f} s) | {row['ratio']:.2f} | "
              f"{row['link_cpu'] / (n * math.log(n)) * 1e6:.2f} | {row['candidates']:,} | "
              f"{row['same']:.3f} / {row['cross']:.3f} ({row['planted']:,} pairs) | "
              f"{100 * row['capped_dropped']:.1f} %, {row['capped_same']:.3f} / "
              f"{row['capped_cross']:.3f} | {row['rss_mb']:.0f} MB |", flush=True)
    for first, last in pairwise(rows):
        n1, n2 = first["n"], last["n"]
        nlogn = (n2 * math.log(n2)) / (n1 * math.log(n1))
        print(f"\ngrowth {n1:,} → {n2:,}: CPU time ×{last['link_cpu'] / first['link_cpu']:.2f}"
              f" (wall ×{last['link_wall'] / first['link_wall']:.2f}); n ×{n2 / n1:.1f}; "
              f"n log n ×{nlogn:.2f}")


if __name__ == "__main__":
    main()
