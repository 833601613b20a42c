"""Rendering: a 40-item Press Review in FR, EN and ES (HTML and text), and mjml-python against
the official MJML compiler (npm package ``mjml``, run with the machine's Node.js) on the same MJML.

    .venv/bin/python bench/render_speed.py [--pairs 7] [--warm-up 20] [--rounds 10]

The official compiler is installed by this script from the npm registry into ``bench/.mjml/``
(git-ignored) with the machine's ``npm``, once. Both compilers get the same warm-up (``--warm-up``
compilations of the three documents, in one long-lived process each: Node's JIT warms up there),
then ``--pairs`` interleaved pairs of ``--rounds`` compilations; Node measures itself
(``process.hrtime``, ``process.cpuUsage``), so its figure leaves out the pipe between the two.
Targets (issue 6): the three languages render in ≤ 0.5 s in total, warm and cold, each HTML
under 95 KB; the compiler ratio is reported.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import ROOT, measure, note_load, report

from pipeline.draft import Candidate, LocalText, draft_press_review
from pipeline.records import LANGUAGES, REGIONS, THEMES
from pipeline.render import build_mjml, compile_mjml, render_all

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
MJML_DIR = ROOT / "bench" / ".mjml"
MJML_VERSION = "4"
NODE_SERVER = r"""
const mjml = require(process.argv[2] + "/node_modules/mjml");
const sources = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
const readline = require("readline").createInterface({input: process.stdin});
function compileAll(rounds) {
  for (let r = 0; r < rounds; r++) {
    for (const source of sources) {
      const out = mjml(source, {validationLevel: "soft", minify: false});
      if (!out.html) throw new Error("no html");
    }
  }
}
readline.on("line", (line) => {
  const [command, count] = line.split(" ");
  const rounds = parseInt(count, 10);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  compileAll(rounds);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  process.stdout.write(JSON.stringify({command, wall, cpu: cpuSeconds}) + "\n");
});
"""


def make_candidates(count: int = 40) -> list[Candidate]:
    summary = ("Farmers who keep their soils covered store more organic carbon, hold more water "
               "and lose less earth to erosion, a study of ten years of field trials shows.")
    return [
        Candidate(
            item_id=f"bench-{n:02d}", story_id=f"story-{n:02d}", source_name=f"Outlet {n % 7}",
            url=f"https://news.example/{n}", original_lang=LANGUAGES[n % 3],
            published_at=SINCE + timedelta(hours=3 * n), relevant=True,
            themes=(THEMES[n % len(THEMES)],), regions=(REGIONS[n % len(REGIONS)],),
            texts={lang: LocalText(f"Story {n}: cover crops and soil carbon in region {n % 7}",
                                   summary, "machine" if n % 2 else "edited")
                   for lang in LANGUAGES},
            outlets_count=1 + n % 4,
        )
        for n in range(count)
    ]


def install_mjml(folder: Path) -> str | None:
    """The official compiler in ``folder`` (npm install once); its version, or None."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        print(f"node or npm missing (node={node}, npm={npm}): the ratio is not measured")
        return None
    package = folder / "node_modules" / "mjml" / "package.json"
    if not package.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"installing mjml@{MJML_VERSION} into {folder} (npm registry)", flush=True)
        done = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit",
                               "--no-fund", "--loglevel=error", f"mjml@{MJML_VERSION}"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not package.is_file():
            print(f"npm install failed: {done.stderr.strip()[-500:]}")
            return None
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


def compare_compilers(sources: list[str], version: str, pairs: int, warm_up: int,
                      rounds: int, scratch: Path) -> None:
    sources_path = scratch / "sources.json"
    sources_path.write_text(json.dumps(sources), encoding="utf-8")
    script = scratch / "server.js"
    script.write_text(NODE_SERVER, encoding="utf-8")
    node = shutil.which("node") or "node"
    node_version = subprocess.run([node, "--version"], capture_output=True,
                                  text=True).stdout.strip()
    server = subprocess.Popen([node, str(script), str(MJML_DIR), str(sources_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None

    def node_run(count: int) -> dict[str, float]:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(f"run {count}\n")
        server.stdin.flush()
        return dict(json.loads(server.stdout.readline()))

    def python_run(count: int) -> None:
        for _ in range(count):
            for source in sources:
                compile_mjml(source)

    warm = time.perf_counter()
    python_run(warm_up)
    python_warm = time.perf_counter() - warm
    node_warm = node_run(warm_up)["wall"]
    ratios, cpu_ratios, ours, theirs = [], [], [], []
    for index in range(pairs):
        for side in ("py", "node") if index % 2 == 0 else ("node", "py"):
            if side == "py":
                sample, _ = measure(lambda: python_run(rounds))
                py = (sample.wall, sample.cpu)
            else:
                answer = node_run(rounds)
                nd = (answer["wall"], answer["cpu"])
        ratios.append(nd[0] / py[0])
        cpu_ratios.append(nd[1] / max(py[1], 1e-9))
        ours.append(py[0] / rounds)
        theirs.append(nd[0] / rounds)
    server.stdin.close()
    server.wait(timeout=30)
    ratio = statistics.median(ratios)
    print(f"warm-up: {warm_up} compilations of the 3 documents each (mjml-python "
          f"{python_warm:.2f} s, official mjml {node_warm:.2f} s)")
    print(f"compile the 3 MJML documents: mjml-python {statistics.median(ours) * 1000:.2f} ms, "
          f"official mjml {version} (node {node_version}) "
          f"{statistics.median(theirs) * 1000:.1f} ms; ratio {ratio:.1f}x wall "
          f"({min(ratios):.1f}-{max(ratios):.1f}), "
          f"{statistics.median(cpu_ratios):.1f}x CPU, median of {pairs} pairs of {rounds} rounds")
    report(f"official mjml {version} (Node {node_version}) / mjml-python, compile the 3 documents, "
           "both warmed alike", f"{ratio:.0f}× wall, {statistics.median(cpu_ratios):.0f}× CPU "
           f"({statistics.median(theirs) * 1000:.1f} vs {statistics.median(ours) * 1000:.2f} ms)",
           value=ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    note_load("start")
    plan = draft_press_review(make_candidates(), since_at=SINCE, until_at=UNTIL)
    assert len(plan.entries) == 40
    cold, _ = measure(lambda: render_all(plan))  # compiles catalogs (from .po) and templates
    warm = [measure(lambda: render_all(plan))[0] for _ in range(args.pairs)]
    warm_wall = statistics.median(s.wall for s in warm)
    sizes = {lang: len(r.html.encode()) for lang, r in render_all(plan).items()}
    print(f"first render (catalogs and templates loaded): {cold.wall:.3f} s; warm: median "
          f"{warm_wall:.3f} s (CPU {statistics.median(s.cpu for s in warm):.3f} s); HTML bytes "
          f"{sizes}")
    report("render 40-item Press Review, FR+EN+ES, HTML+text, warm (median)",
           f"{warm_wall:.3f} s", "≤ 0.5 s", warm_wall <= 0.5, warm_wall)
    report("the same, first call in a process", f"{cold.wall:.3f} s", "≤ 0.5 s",
           cold.wall <= 0.5, cold.wall)
    report("largest HTML of the three languages", f"{max(sizes.values()) / 1000:.1f} KB",
           "< 95 KB", max(sizes.values()) < 95_000, max(sizes.values()))
    sources = [build_mjml(plan, lang=lang) for lang in LANGUAGES]
    version = install_mjml(MJML_DIR)
    if version is None:
        report("official mjml / mjml-python", "not measured (no node/npm or install failed)")
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            compare_compilers(sources, version, args.pairs, args.warm_up, args.rounds,
                              Path(scratch))
    note_load("end")


if __name__ == "__main__":
    main()
