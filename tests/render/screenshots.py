"""The README's screenshots, taken from what ``pipeline demo`` really produces.

``scripts/screenshots`` runs this module: the demo runs offline into a temporary folder, its
editions are opened in headless Chromium (every request but the page's own file is refused)
and the pictures are written into docs/screenshots/; then the review app is served over the
demo's database and its translation review and preview are taken too
(tests/web/screenshots.py). The test suite never writes there: tests/render/test_browser.py
takes the same pictures into a temporary folder.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT_HEIGHT = 1400
"""Screenshots keep the top of each edition, to keep the repository small."""
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    publication: str
    lang: str
    width: int
    dark: bool = False

    @property
    def name(self) -> str:
        return f"{self.publication}-{self.lang}-{self.width}{'-dark' if self.dark else ''}.png"


SHOTS = (Shot("press-review", "fr", 600), Shot("newsletter", "es", 375),
         Shot("press-review", "fr", 600, dark=True))
"""The pictures the README shows."""


def run_demo(work: Path) -> Path:
    """``pipeline demo --no-serve`` in ``work``, as a user runs it; returns its output folder."""
    pipeline = Path(sys.executable).parent / "pipeline"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    done = subprocess.run([str(pipeline), "demo", "--no-serve"], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"error: pipeline demo failed:\n{done.stderr[-3000:]}")
    return work / "var" / "demo"


def _only(address: str, route: Any) -> None:
    """Let the page itself load; refuse every other request (nothing leaves the machine)."""
    if route.request.url == address:
        route.continue_()
    else:
        route.abort()


def capture(demo_dir: Path, out_dir: Path, browser: Any) -> list[Path]:
    """Take every picture of :data:`SHOTS` from the editions in ``demo_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for shot in SHOTS:
        address = (demo_dir / shot.publication / f"{shot.lang}.html").resolve().as_uri()
        page = browser.new_page(viewport={"width": shot.width, "height": 900},
                                color_scheme="dark" if shot.dark else "light")
        try:
            page.route("**/*", functools.partial(_only, address))
            page.goto(address, wait_until="load")
            target = out_dir / shot.name
            page.screenshot(path=str(target), full_page=True,
                            clip={"x": 0, "y": 0, "width": shot.width,
                                  "height": SCREENSHOT_HEIGHT})
        finally:
            page.close()
        written.append(target)
    return written


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"error: {CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        demo_dir = run_demo(Path(work))
        browser = launch_browser(playwright)
        try:
            from tests.web.screenshots import capture_review

            for path in [*capture(demo_dir, DOCS, browser),
                         *capture_review(demo_dir, DOCS, browser)]:
                print(path.relative_to(DOCS.parents[1]))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
