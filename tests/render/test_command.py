"""The render-plan click helper: a stored plan file to DIR/{fr,en,es}.{html,txt,ics}."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from pipeline.commands.render import render_plan_command
from pipeline.draft import LocalText, plan_to_json
from tests.render.fixtures import newsletter_plan


def test_render_plan_writes_every_language(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan_to_json(newsletter_plan()), encoding="utf-8")
    result = CliRunner().invoke(render_plan_command, [str(plan_path), "--out",
                                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{lang}.{ext}" for lang in ("fr", "en", "es")
                           for ext in ("html", "txt", "ics"))
    assert "Journée mondiale des sols" in (tmp_path / "out" / "fr.ics").read_text("utf-8")


def test_render_plan_refuses_missing_translation_and_writes_nothing(tmp_path: Path) -> None:
    plan = newsletter_plan()
    section = next(s for s in plan.sections if s.id == "partners")
    broken = replace(section.entries[0], texts={
        **section.entries[0].texts, "es": LocalText("?", "", "needs_translation")})
    sections = tuple(replace(s, entries=(broken, *s.entries[1:])) if s is section else s
                     for s in plan.sections)
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan_to_json(replace(plan, sections=sections)), encoding="utf-8")
    result = CliRunner().invoke(render_plan_command, [str(plan_path), "--out",
                                                      str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"es: {broken.item_id}" in result.output
    assert not (tmp_path / "out").exists()
    preview = CliRunner().invoke(render_plan_command, [str(plan_path), "--out",
                                                       str(tmp_path / "out"), "--allow-incomplete"])
    assert preview.exit_code == 0
    assert (tmp_path / "out" / "es.html").exists()
