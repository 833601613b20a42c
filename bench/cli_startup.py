"""Start-up time of the command: ``pipeline --help``, against another checkout of the package.

Runs the installed console script with this checkout's package and with ``--baseline DIR``'s
(put first on ``PYTHONPATH``: the editable install's finder comes after it), alternating
the two in pairs, and prints the median wall and CPU time of each and their ratio. Both are
byte-compiled first, as ``scripts/setup`` does for the installed package.

Run: .venv/bin/python bench/cli_startup.py [--ref main | --baseline DIR] [--repeat 21]
(the baseline defaults to the ``main`` branch, unpacked with ``git archive`` into a temporary
folder)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import report

HERE = Path(__file__).resolve().parents[1]
PIPELINE = Path(sys.executable).parent / "pipeline"


def run_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(PIPELINE), *args], env=env, cwd=cwd, capture_output=True,
                          check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def environment(package_root: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    if package_root is not None:
        env["PYTHONPATH"] = str(package_root)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout whose pipeline/ package is the baseline")
    parser.add_argument("--ref", default="main",
                        help="without --baseline: the git ref to compare with (main)")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline is None:
            args.baseline = Path(tmp)
            archive = subprocess.run(["git", "-C", str(HERE), "archive", args.ref],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            print(f"baseline: {args.ref} "
                  + subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", args.ref],
                                   capture_output=True, text=True).stdout.strip())
        measure(args.baseline, args.repeat)


def measure(baseline: Path, repeat: int) -> None:
    for root in (baseline, HERE):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "pipeline")],
                       check=True, stdout=subprocess.DEVNULL)
    cwd = Path(os.environ.get("TMPDIR", "/tmp"))
    versions = {"baseline": environment(baseline), "this checkout": environment(None)}
    for env in versions.values():  # warm the file cache
        run_once(["--help"], env, cwd)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    for _ in range(repeat):
        for name, env in versions.items():
            results[name].append(run_once(["--help"], env, cwd))
    print(f"pipeline --help, {repeat} pairs, load average {os.getloadavg()[0]:.2f}")
    medians = {}
    for name, values in results.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        medians[name] = wall
        print(f"  {name:<14} wall {wall * 1000:6.0f} ms  cpu {cpu * 1000:6.0f} ms  "
              f"(wall {min(v[0] for v in values) * 1000:.0f}-"
              f"{max(v[0] for v in values) * 1000:.0f} ms)")
    print(f"  ratio this checkout / baseline: {medians['this checkout'] / medians['baseline']:.2f}")
    ours = results["this checkout"]
    wall, cpu = statistics.median(v[0] for v in ours), statistics.median(v[1] for v in ours)
    report("pipeline --help (interpreter, click, package): start-up", f"{wall * 1000:.0f} ms wall, "
           f"{cpu * 1000:.0f} ms CPU (median of {repeat})", value=wall)
    ratio = medians["this checkout"] / medians["baseline"]
    report("pipeline --help wall, this checkout / the baseline checkout (--ref, --baseline)",
           f"{ratio:.2f}", value=ratio)


if __name__ == "__main__":
    main()
