"""Regenerate the golden files: ``.venv/bin/python -m tests.render.regen_golden``.

Writes tests/golden/{press-review,newsletter}/{fr,en,es}.{html,txt} (and agenda .ics) from the
fixed editions of tests/render/fixtures.py. Review the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.draft import EditionPlan
from pipeline.render import export_agenda, render_all
from tests.render.fixtures import GOLDEN, make_links, newsletter_plan, press_review_plan


def build_golden() -> dict[Path, str]:
    """Every golden file's relative path and expected content."""
    files: dict[Path, str] = {}
    plans: dict[str, EditionPlan] = {
        "press-review": press_review_plan(), "newsletter": newsletter_plan()}
    for publication, plan in plans.items():
        rendered = render_all(plan, links=make_links(publication))
        for lang, edition in rendered.items():
            files[Path(publication) / f"{lang}.html"] = edition.html
            files[Path(publication) / f"{lang}.txt"] = edition.text
            if publication == "newsletter":
                events = [e for s in plan.sections for e in s.events]
                files[Path(publication) / f"{lang}.ics"] = export_agenda(
                    events, lang=lang, stamp_at=plan.period_end_at)
    return files


def main() -> None:
    for relative, content in build_golden().items():
        target = GOLDEN / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
        print(target)


if __name__ == "__main__":
    main()
