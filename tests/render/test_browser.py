"""Look at the editions as a person would: headless Chromium at 600 px and 375 px.

The test fails when anything overflows horizontally, when an image has no alt text, or when the
page tries to reach the network. Screenshots go to a temporary folder (to look at when a check
fails); the README's pictures come from a real demo run: ``scripts/screenshots``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.records import LANGUAGES
from pipeline.render import render_all
from tests.conftest import ServedDemo
from tests.render.fixtures import make_links, newsletter_plan, press_review_plan
from tests.render.screenshots import CHROMIUM, SCREENSHOT_HEIGHT, SHOTS, capture, launch_browser

pytestmark = pytest.mark.browser


def top_of(width: int) -> dict[str, float]:
    return {"x": 0, "y": 0, "width": width, "height": SCREENSHOT_HEIGHT}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing in CI (apt-get install -y chromium)")
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_browser(playwright)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("publication", ["press-review", "newsletter"])
@pytest.mark.parametrize("width", [600, 375])
def test_edition_fits_and_is_captured(browser: object, shots: Path, publication: str,
                                      width: int) -> None:
    plan = press_review_plan() if publication == "press-review" else newsletter_plan()
    rendered = render_all(plan, links=make_links(publication))
    requests: list[str] = []
    for lang in LANGUAGES:
        page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        try:
            page.on("request", lambda request: requests.append(request.url))
            page.route("**/*", lambda route: route.abort())
            page.set_content(rendered[lang].html, wait_until="load")
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth,"
                " document.documentElement.lang,"
                " Array.from(document.images).filter(i => !i.hasAttribute('alt')).length]"
            )
            page.screenshot(path=str(shots / f"{publication}-{lang}-{width}.png"),
                            full_page=True, clip=top_of(width))
        finally:
            page.close()
        scroll_width, inner_width, doc_lang, images_without_alt = sizes
        assert scroll_width <= inner_width, f"{lang} at {width}px overflows: {scroll_width}px"
        assert doc_lang == lang
        assert images_without_alt == 0
    assert requests == [], f"the rendered edition tried to load {requests}"


def test_hostile_and_long_texts_do_not_overflow_a_phone(browser: object, shots: Path) -> None:
    from datetime import UTC, datetime

    from pipeline.draft import EditionPlan, Entry, LocalText, Section

    start = datetime(2026, 11, 1, tzinfo=UTC)
    long_title = ("Regenerative agriculture and soil organic carbon in the Sahel " * 6)[:300]
    unbroken = "https://very-long-domain.example/" + "a" * 150
    texts = {lang: LocalText(long_title, f"{unbroken} <script>alert(1)</script> {{{{ config }}}}",
                             "machine") for lang in LANGUAGES}
    entry = Entry("long", "long", "An outlet with a rather long name " * 3, unbroken, "en",
                  start, ("soil-carbon",), ("africa",), texts, 1, "africa")
    plan = EditionPlan("press-review", start, datetime(2026, 11, 8, tzinfo=UTC),
                       (Section("theme-soil-carbon", entries=(entry,)),))
    page = browser.new_page(viewport={"width": 375, "height": 800})  # type: ignore[attr-defined]
    try:
        page.route("**/*", lambda route: route.abort())
        page.set_content(render_all(plan)["en"].html, wait_until="load")
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        page.screenshot(path=str(shots / "adversarial-en-375.png"), full_page=True,
                        clip=top_of(375))
    finally:
        page.close()
    assert scroll_width <= inner_width
    assert dialogs == []


@pytest.mark.parametrize("publication", ["press-review", "newsletter"])
def test_dark_mode_keeps_text_readable(browser: object, shots: Path, publication: str) -> None:
    plan = press_review_plan() if publication == "press-review" else newsletter_plan()
    html = render_all(plan, links=make_links(publication))["fr"].html
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": 600, "height": 900}, color_scheme="dark")
    try:
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        panel, text, link = page.evaluate(
            "() => [getComputedStyle(document.querySelector('.panel')).backgroundColor,"
            " getComputedStyle(document.querySelector('.panel p')).color,"
            " getComputedStyle(document.querySelector('.panel h3 a')).color]")
        page.screenshot(path=str(shots / f"{publication}-fr-600-dark.png"), full_page=True,
                        clip=top_of(600))
    finally:
        page.close()

    def luminance(css: str) -> float:
        red, green, blue = (float(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
        return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255

    assert luminance(panel) < 0.2, panel
    assert luminance(text) > 0.7, text
    assert luminance(link) > 0.6, link


def test_archive_page_loads_under_its_csp(browser: object, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pipeline.render import write_archive

    plan = newsletter_plan()
    write_archive(render_all(plan, max_bytes=None), plan, tmp_path, "2026-11",
                  published_at=datetime(2026, 12, 1, tzinfo=UTC))
    page = browser.new_page(viewport={"width": 600, "height": 900})  # type: ignore[attr-defined]
    messages: list[str] = []
    requests: list[str] = []
    try:
        page.on("console", lambda message: messages.append(message.text))
        page.on("request", lambda request: requests.append(request.url))
        page.goto((tmp_path / "newsletter" / "es" / "2026-11.html").as_uri())
        layout = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth,"
            " getComputedStyle(document.querySelector('h2')).color,"
            " Array.from(document.querySelectorAll('nav a')).map(a => a.getAttribute('href'))]")
        page.goto((tmp_path / "newsletter" / "es" / "index.html").as_uri())
        index_links = page.evaluate(
            "() => Array.from(document.querySelectorAll('li a')).map(a => a.textContent)")
    finally:
        page.close()
    scroll_width, inner_width, heading_colour, nav = layout
    assert scroll_width <= inner_width
    assert heading_colour == "rgb(47, 93, 58)"  # the inline <style> is allowed by the CSP
    assert nav == ["index.html", "../fr/2026-11.html", "../en/2026-11.html"]
    assert [m for m in messages if "Content Security Policy" in m] == []
    assert [r for r in requests if not r.startswith("file://")] == []
    assert index_links and index_links[0].startswith("Boletín de la Iniciativa")


def test_readme_screenshots_are_taken_from_the_demo(browser: object, served_demo: ServedDemo,
                                                   tmp_path: Path) -> None:
    """What scripts/screenshots does, into a temporary folder: every picture the README shows
    is taken from a real demo run, at the width its name says."""
    import struct

    written = capture(served_demo.out_dir, tmp_path, browser)
    assert [p.name for p in written] == [shot.name for shot in SHOTS]
    for path, shot in zip(written, SHOTS, strict=True):
        header = path.read_bytes()[:24]
        assert header.startswith(b"\x89PNG")
        width, height = struct.unpack(">II", header[16:24])
        assert (width, height) == (shot.width, SCREENSHOT_HEIGHT)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"docs/screenshots/([\w-]+\.png)", readme))
    from tests.web.screenshots import SHOTS as REVIEW_SHOTS  # the review app's, same command

    assert shown == {shot.name for shot in SHOTS} | set(REVIEW_SHOTS)
