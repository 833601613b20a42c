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
PAGE = os.sysconf("SC_PAGE_SIZE")
POLL_S = 0.02


def _process_stat(pid: int) -> tuple[float, int, int] | None:
    """CPU seconds (all threads, ended ones included), resident bytes and start time (clock
    ticks after boot: a reused pid has another) of one process, or None once it is gone (or
    only a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[21]) * PAGE, int(fields[19])


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
    peak_bytes: int
    """The highest sum of the resident sizes of its processes, at one reading."""
    own_peak_bytes: int
    """The command's own process's highest resident size."""
    done: subprocess.CompletedProcess[str]


def measure_command(command: list[str], **popen: Any) -> CommandRun:
    """Run a command to its end, with the CPU time and memory of it and of every process it
    started, however deep (read from /proc every 20 ms: a process loses the CPU time it used
    after the last reading before it ended, and one that lives less than 20 ms may not be seen
    at all; the polling costs this process about 1 % of a core, whichever side it measures)."""
    wall = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, **popen)
    cpu: dict[int, float] = {}
    started: dict[int, int] = {}
    """Each process's start time: a pid the system gives again to another process is not ours."""
    peaks = {"all": 0, "own": 0}
    finished = threading.Event()

    def poll() -> None:
        while True:
            last = finished.is_set()
            known = set(cpu) | {process.pid}
            pending, resident = list(known), 0
            while pending:
                pid = pending.pop()
                stat = _process_stat(pid)
                if stat is None or started.setdefault(pid, stat[2]) != stat[2]:
                    continue
                cpu[pid] = max(cpu.get(pid, 0.0), stat[0])
                resident += stat[1]
                if pid == process.pid:
                    peaks["own"] = max(peaks["own"], stat[1])
                new = [child for child in _children(pid) if child not in known]
                known.update(new)
                pending.extend(new)
            peaks["all"] = max(peaks["all"], resident)
            if last:
                return
            finished.wait(POLL_S)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stdout, stderr = process.communicate()
    took = time.perf_counter() - wall
    finished.set()
    poller.join()
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return CommandRun(Sample(took, sum(cpu.values())), cpu.get(process.pid, 0.0), peaks["all"],
                      peaks["own"], done)

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
