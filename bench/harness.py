"""What every benchmark shares: pairs of runs, CPU time beside wall time, the load average, and
the figures handed to the final table of ``bench/run``.

A benchmark compares our code with the baseline a user would otherwise pick, in the same run:
``run_pairs`` alternates the two (ours first in even pairs, the baseline first in odd ones, so a
load change hits both), and the figure is the median of the per-pair ratios. CPU time is the
process's own (all threads) plus that of the child processes that ended during the run; a
command run by ``measure_command`` counts every process of its session instead (the parse
workers of ``pipeline collect`` are children of its fork server, which it never waits for, so
its own rusage leaves them out).

``report`` prints one figure and, when ``bench/run`` set ``BENCH_RESULTS``, appends it to that
file as one JSON line; ``bench/summary.py`` turns the file into the final table.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float


def cpu_now() -> float:
    """CPU seconds of this process (every thread) and of its reaped child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(work: Callable[[], Any]) -> tuple[Sample, Any]:
    cpu, wall = cpu_now(), time.perf_counter()
    result = work()
    return Sample(time.perf_counter() - wall, cpu_now() - cpu), result


TICKS = os.sysconf("SC_CLK_TCK")
POLL_S = 0.02


def _process_cpu(pid: int) -> float | None:
    """CPU seconds of one process (all its threads, ended ones included), or None once gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            with open(f"{task.path}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


@dataclass(frozen=True)
class CommandRun:
    sample: Sample
    """Wall time, and the CPU time of every process the command started."""
    own_cpu: float
    """The command's own process's share of ``sample.cpu``."""
    done: subprocess.CompletedProcess[str]


def measure_command(command: list[str], **popen: Any) -> CommandRun:
    """Run a command to its end, with the CPU time of it and of every process it started,
    however deep (read from /proc every 20 ms: a process that ends early loses at most its
    last 20 ms; the polling costs this process about 1 % of a core, whichever side it measures).
    """
    wall = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, **popen)
    seen: dict[int, float] = {}
    finished = threading.Event()

    def poll() -> None:
        while True:
            last = finished.is_set()
            known = set(seen) | {process.pid}
            pending = list(known)
            while pending:
                pid = pending.pop()
                cpu = _process_cpu(pid)
                if cpu is not None:
                    seen[pid] = max(seen.get(pid, 0.0), cpu)
                    new = [child for child in _children(pid) if child not in known]
                    known.update(new)
                    pending.extend(new)
            if last:
                return
            finished.wait(POLL_S)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stdout, stderr = process.communicate()
    took = time.perf_counter() - wall
    finished.set()
    poller.join()
    own = seen.get(process.pid, 0.0)
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return CommandRun(Sample(took, sum(seen.values())), own, done)


@dataclass
class Pairs:
    """Samples of our side and of the baseline, one of each per pair."""

    ours: list[Sample] = field(default_factory=list)
    base: list[Sample] = field(default_factory=list)

    def speedups(self) -> list[float]:
        return [b.wall / o.wall for o, b in zip(self.ours, self.base, strict=True)]

    def cpu_speedups(self) -> list[float]:
        return [b.cpu / max(o.cpu, 1e-9) for o, b in zip(self.ours, self.base, strict=True)]

    @property
    def speedup(self) -> float:
        """Median over the pairs of baseline wall time / our wall time."""
        return statistics.median(self.speedups())

    @property
    def cpu_speedup(self) -> float:
        return statistics.median(self.cpu_speedups())

    def ours_median(self) -> Sample:
        return Sample(statistics.median(s.wall for s in self.ours),
                      statistics.median(s.cpu for s in self.ours))

    def base_median(self) -> Sample:
        return Sample(statistics.median(s.wall for s in self.base),
                      statistics.median(s.cpu for s in self.base))

    def describe(self, ours: str = "ours", base: str = "baseline") -> str:
        o, b = self.ours_median(), self.base_median()
        low, high = min(self.speedups()), max(self.speedups())
        return (f"{ours}: {o.wall:.3f} s wall, {o.cpu:.3f} s CPU | {base}: {b.wall:.3f} s wall, "
                f"{b.cpu:.3f} s CPU | speed-up {self.speedup:.2f}x wall ({low:.2f}-{high:.2f}), "
                f"{self.cpu_speedup:.2f}x CPU, median of {len(self.ours)} pairs")


def run_pairs(ours: Callable[[], Any], baseline: Callable[[], Any], pairs: int = 5, *,
              before: Callable[[], Any] | None = None,
              check: Callable[[str, Any], None] | None = None) -> Pairs:
    """``pairs`` interleaved runs of each; ``before`` runs untimed before every run (to reset a
    database, say), ``check(side, result)`` after it."""
    result = Pairs()
    for index in range(pairs):
        order = [("ours", ours), ("base", baseline)]
        if index % 2:
            order.reverse()
        for side, work in order:
            if before is not None:
                before()
            sample, value = measure(work)
            if check is not None:
                check(side, value)
            (result.ours if side == "ours" else result.base).append(sample)
    return result


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def note_load(when: str) -> str:
    load = load_average()
    print(f"load average ({when}): {load} on {os.cpu_count()} cores", flush=True)
    return load


def report(figure: str, measured: str, target: str = "—", met: bool | None = None,
           value: float | None = None) -> None:
    """One figure of the final table: what was measured, its target, and whether it is met
    (None: no target, the figure is there for information)."""
    bench = Path(sys.argv[0]).stem
    mark = "—" if met is None else ("met" if met else "NOT MET")
    print(f"FIGURE [{bench}] {figure}: {measured} (target {target}: {mark})", flush=True)
    path = os.environ.get("BENCH_RESULTS")
    if path:
        record = {"bench": bench, "figure": figure, "measured": measured, "target": target,
                  "met": met, "value": value, "load": load_average()}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
