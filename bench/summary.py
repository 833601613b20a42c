"""The final table of ``bench/run``: every figure the benchmarks reported, its target, met or not.

    .venv/bin/python bench/summary.py RESULTS.jsonl

RESULTS holds the JSON lines written by ``harness.report`` and, from ``bench/run``, one line per
benchmark script with its exit status. A script that failed, or that ran without reporting a
figure, gets a row too, so that nothing drops out of the table silently. Exit status 1 when a
target is not met or a script failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") \
        else ""
    return f"{git('rev-parse', '--short', 'HEAD')}{dirty}"


def main() -> int:
    path = Path(sys.argv[1])
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    figures = [r for r in records if "figure" in r]
    runs = [r for r in records if "exit" in r]
    loads = [r["load"] for r in figures if r.get("load")]
    rows = ["| benchmark | figure | measured | target | met |", "| --- | --- | --- | --- | --- |"]
    failed = False
    benches = dict.fromkeys(r["bench"] for r in figures)
    for run in runs or [{"bench": b, "exit": 0} for b in benches]:
        mine = [r for r in figures if r["bench"] == run["bench"]]
        for r in mine:
            mark = "—" if r["met"] is None else ("yes" if r["met"] else "**NO**")
            failed |= r["met"] is False
            rows.append(f"| {r['bench']} | {r['figure']} | {r['measured']} | {r['target']} "
                        f"| {mark} |")
        if run["exit"] != 0:
            failed = True
            rows.append(f"| {run['bench']} | the script | exit status {run['exit']} | 0 | **NO** |")
        elif not mine:
            rows.append(f"| {run['bench']} | (no figure reported) | see its output | — | — |")
    met = sum(1 for r in figures if r["met"] is True)
    missed = sum(1 for r in figures if r["met"] is False)
    print(f"## Summary: commit {commit()}, results {path.name}")
    if loads:
        print(f"load average (1, 5, 15 min) from {loads[0]} to {loads[-1]}, "
              f"highest 1-min {max(float(x.split()[0]) for x in loads):.2f}")
    print(f"{met} targets met, {missed} not met, {len(figures) - met - missed} figures without "
          "target\n")
    print("\n".join(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
