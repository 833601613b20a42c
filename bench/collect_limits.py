"""The parse limits (issue 11) and streaming to the store (issue 15): memory and throughput of
the real command, `pipeline collect`.

Same hosts as bench/collect_fetch.py: 100 HTTP servers on 127.0.0.1 run by one asyncio loop in
another process, 5 feeds each (20 items), 50–200 ms latency per response.

1. **Memory**: peak memory of the whole command (the collecting process, the parse fork server,
   its workers and the resource tracker: the resident sizes of every process of the run,
   summed, sampled every 20 ms from /proc) on 500 normal feeds, and on the same feeds where 5
   of them are replaced by issue 11's nested-tag bomb (19.5 kB gzipped). Target: the second
   within 1.5x of the first, and the other 495 sources collected alike.
2. **Throughput** (with ``--baseline-bin``): the same first run of `pipeline collect` (500 new
   feeds, 10,000 items) with this checkout and with another one (e.g. the main branch before
   the parse limits), alternated, median of ``--repeat`` pairs, wall and CPU time. Target: no
   more than 5 % slower. The collecting process's own peak is shown beside it: results are
   now streamed to the store instead of kept until the end (issue 15).

Run: .venv/bin/python bench/collect_limits.py [--repeat 5] [--baseline-bin OTHER/.venv/bin/pipeline]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collect_fetch import serve  # the same hosts as the throughput benchmark
from harness import measure_command, report

BOMB_HOSTS = (3, 23, 47, 71, 97)
"""The 5 sources replaced by the bomb: one feed of these hosts."""


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_total_mb: float
    peak_main_mb: float
    outcomes: dict[str, str]
    summary: str


def run_collect(command: list[str], folder: Path, env: dict[str, str]) -> Run:
    run = measure_command(command, cwd=folder, env=env)
    stdout = run.done.stdout
    if run.done.returncode != 0:
        raise SystemExit(f"pipeline collect failed: {run.done.stderr[-2000:]}")
    outcomes = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("s") and parts[0][1:].isdigit():
            outcomes[parts[0]] = " ".join(parts[1:])
    return Run(run.sample.wall, run.sample.cpu, run.peak_bytes / 2**20,
               run.own_peak_bytes / 2**20, outcomes, stdout.strip().splitlines()[-1])


BOMB = "bomb"


def write_sources(folder: Path, ports: list[int], per_host: int, *, bombs: bool) -> None:
    lines = []
    for h, port in enumerate(ports):
        for f in range(per_host):
            path = BOMB if bombs and h in BOMB_HOSTS and f == 0 else str(f)
            n = h * per_host + f
            lines.append(f'[[sources]]\nid = "s{n}"\nname = "s{n}"\n'
                         f'url = "http://127.0.0.1:{port}/{path}.xml"\nlang = "en"\n')
    (folder / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def measure(command: list[str], ports: list[int], per_host: int, *, bombs: bool,
            env: dict[str, str]) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        write_sources(Path(tmp), ports, per_host, bombs=bombs)
        return run_collect(command, Path(tmp), env)


def median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(r, attribute) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-bin", default=None,
                        help="another checkout's `pipeline` to compare throughput with")
    parser.add_argument("--disguised", action="store_true",
                        help="bombs that hide closing tags in a comment, past the cheap tag "
                             "count: the parse limits of the workers are what stops them")
    args = parser.parse_args()
    global BOMB
    BOMB = "bomb-disguised" if args.disguised else "bomb"
    here, there = mp.Pipe()
    server = mp.Process(target=serve, args=(args.hosts, args.per_host, there), daemon=True)
    server.start()
    ports: list[int] = here.recv()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env["PIPELINE_ALLOW_PRIVATE_ADDRESSES"] = "true"
    env["PIPELINE_LOOPBACK_ONLY"] = "true"  # nothing beyond 127.0.0.1
    ours = [str(Path(sys.executable).parent / "pipeline"), "collect"]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(ports) * args.per_host} feeds on {len(ports)} hosts; "
          f"bombs (/{BOMB}.xml) on hosts {', '.join(map(str, BOMB_HOSTS))}")

    normal: list[Run] = []
    bombed: list[Run] = []
    for _ in range(args.repeat):  # alternated, so that the machine's load falls on both
        normal.append(measure(ours, ports, args.per_host, bombs=False, env=env))
        bombed.append(measure(ours, ports, args.per_host, bombs=True, env=env))
        print(f"  normal {normal[-1].wall_s:6.2f} s {normal[-1].peak_total_mb:6.0f} MB   "
              f"with bombs {bombed[-1].wall_s:6.2f} s {bombed[-1].peak_total_mb:6.0f} MB   "
              f"({bombed[-1].summary})")
    bomb_ids = {f"s{h * args.per_host}" for h in BOMB_HOSTS}
    same = all(run.outcomes.get(sid) == normal[0].outcomes.get(sid)
               for run in normal + bombed for sid in normal[0].outcomes if sid not in bomb_ids)
    # (outcome lines: "new  new 20, updated 0, unchanged 0")
    collected = sum(1 for sid, outcome in bombed[0].outcomes.items()
                    if sid not in bomb_ids and outcome.startswith("new new 20,"))
    refused = [bombed[0].outcomes.get(sid, "?") for sid in sorted(bomb_ids)]
    ratio = median(bombed, "peak_total_mb") / median(normal, "peak_total_mb")
    print("\n| run | wall (median) | CPU (median) | peak memory, whole run | "
          "peak memory, collecting process |")
    print("| --- | --- | --- | --- | --- |")
    for name, runs in (("500 normal feeds", normal), ("495 normal + 5 bombs", bombed)):
        print(f"| {name} | {median(runs, 'wall_s'):.2f} s | {median(runs, 'cpu_s'):.2f} s | "
              f"{median(runs, 'peak_total_mb'):.0f} MB ({min(r.peak_total_mb for r in runs):.0f}"
              f"–{max(r.peak_total_mb for r in runs):.0f}) | "
              f"{median(runs, 'peak_main_mb'):.0f} MB |")
    print(f"\npeak memory with bombs / without: {ratio:.2f}x (target <= 1.5x) — "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")
    print(f"the other 495 sources: {collected} collected with 20 new items each; identical "
          f"outcomes in every run: {same}")
    print(f"the bombs: {refused[0]}")
    report("pipeline collect peak memory (whole run), 5 bombs among 500 feeds / 500 normal",
           f"{ratio:.2f}× ({median(bombed, 'peak_total_mb'):.0f} vs "
           f"{median(normal, 'peak_total_mb'):.0f} MB)", "≤ 1.5×", ratio <= 1.5, ratio)
    report("the 495 other sources' outcomes, with bombs and without",
           f"{'identical' if same else 'DIFFERENT'} in every run", "identical", same)

    if args.baseline_bin:
        baseline = [args.baseline_bin, "collect"]
        pairs: list[tuple[Run, Run]] = []
        for _ in range(args.repeat):
            pairs.append((measure(baseline, ports, args.per_host, bombs=False, env=env),
                          measure(ours, ports, args.per_host, bombs=False, env=env)))
            print(f"  baseline {pairs[-1][0].wall_s:6.2f} s   ours {pairs[-1][1].wall_s:6.2f} s")
        base_wall = statistics.median(b.wall_s for b, _ in pairs)
        our_wall = statistics.median(o.wall_s for _, o in pairs)
        per_pair = sorted(o.wall_s / b.wall_s for b, o in pairs)
        print(f"\nthroughput, `pipeline collect` first run, median of {len(pairs)} pairs:")
        print("| checkout | wall | CPU | peak memory, whole run | collecting process |")
        print("| --- | --- | --- | --- | --- |")
        for name, index in ((f"baseline ({args.baseline_bin})", 0), ("this checkout", 1)):
            runs = [pair[index] for pair in pairs]
            print(f"| {name} | {median(runs, 'wall_s'):.2f} s | {median(runs, 'cpu_s'):.2f} s "
                  f"| {median(runs, 'peak_total_mb'):.0f} MB | "
                  f"{median(runs, 'peak_main_mb'):.0f} MB |")
        slower = our_wall / base_wall - 1
        print(f"wall time ours/baseline: {our_wall / base_wall:.3f} (pairs "
              f"{per_pair[0]:.3f}–{per_pair[-1]:.3f}); target: at most 5 % slower — "
              f"{'met' if slower <= 0.05 else 'NOT met'}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    here.send("stop")
    server.join(timeout=5)


if __name__ == "__main__":
    main()
