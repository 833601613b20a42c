"""Benchmark: render a 40-item Press Review in FR, EN and ES (HTML and text), and compare
mjml-python with the official MJML compiler (npm ``mjml``, run with Node.js) on the same MJML.

    .venv/bin/python bench/render_speed.py [--mjml-dir /tmp/mjml-bench] [--repeat 5]

Install the official compiler outside the repository first:
    mkdir -p /tmp/mjml-bench && cd /tmp/mjml-bench && npm init -y && npm install mjml@4
Target: the three languages render in at most 0.5 s in total. Ratios, not absolute times, are what
carry over between machines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.draft import Candidate, LocalText, draft_press_review
from pipeline.records import LANGUAGES, REGIONS, THEMES
from pipeline.render import build_mjml, compile_mjml, render_all

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
NODE_SCRIPT = r"""
const mjml = require(process.argv[2] + "/node_modules/mjml");
const fs = require("fs");
const sources = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const repeat = parseInt(process.argv[4], 10);
mjml(sources[0], {validationLevel: "skip"});  // warm-up
const times = [];
for (let r = 0; r < repeat; r++) {
  const start = process.hrtime.bigint();
  for (const source of sources) {
    const out = mjml(source, {validationLevel: "soft", minify: false});
    if (!out.html) throw new Error("no html");
  }
  times.push(Number(process.hrtime.bigint() - start) / 1e9);
}
process.stdout.write(JSON.stringify(times));
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


def best_of(repeat: int, work: object) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mjml-dir", default="/tmp/mjml-bench")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    plan = draft_press_review(make_candidates(), since_at=SINCE, until_at=UNTIL)
    assert len(plan.entries) == 40
    start = time.perf_counter()
    render_all(plan)  # cold: compiles catalogs (from .po) and templates
    cold = time.perf_counter() - start
    print(f"first render (catalogs and templates loaded): {cold:.3f} s")
    render_times = best_of(args.repeat, lambda: render_all(plan))
    sizes = {lang: len(r.html.encode()) for lang, r in render_all(plan).items()}
    print(f"render 40-item Press Review, 3 languages, HTML+text: median "
          f"{statistics.median(render_times):.3f} s, best {min(render_times):.3f} s "
          f"(target <= 0.5 s) sizes {sizes}")
    sources = [build_mjml(plan, lang=lang) for lang in LANGUAGES]
    python_times = best_of(args.repeat, lambda: [compile_mjml(s) for s in sources])
    python_median = statistics.median(python_times)
    print(f"mjml-python: compile the 3 MJML documents: median {python_median:.4f} s")
    node = shutil.which("node")
    if node is None or not (Path(args.mjml_dir) / "node_modules" / "mjml").exists():
        print(f"official mjml not found (node={node}, {args.mjml_dir}); ratio not measured")
        return
    with tempfile.TemporaryDirectory() as scratch:
        sources_path = Path(scratch) / "sources.json"
        sources_path.write_text(json.dumps(sources), encoding="utf-8")
        script = Path(scratch) / "compile.js"
        script.write_text(NODE_SCRIPT, encoding="utf-8")
        start = time.perf_counter()
        output = subprocess.run(
            [node, str(script), str(Path(args.mjml_dir).resolve()), str(sources_path),
             str(args.repeat)], check=True, capture_output=True, text=True, timeout=300)
        node_wall = time.perf_counter() - start
    node_median = statistics.median(json.loads(output.stdout))
    version = subprocess.run([node, "-e", f"console.log(require('{args.mjml_dir}/node_modules/"
                              "mjml/package.json').version)"], capture_output=True, text=True)
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    print(f"official mjml {version.stdout.strip()} (node {node_version.strip()}): "
          f"median {node_median:.4f} s in-process; one process incl. start-up and "
          f"{args.repeat} runs: {node_wall:.2f} s")
    print(f"ratio official/mjml-python (in-process compile): {node_median / python_median:.1f}x")


if __name__ == "__main__":
    main()
