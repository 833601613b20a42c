"""Click helpers for rendering a stored plan (the lead wires them into ``pipeline.cli``).

``render_plan_command`` renders a plan JSON file (from :func:`pipeline.draft.plan_to_json`) into
``DIR/{fr,en,es}.{html,txt}``; with ``--allow-incomplete`` a preview is written even when a
language lacks translations (the missing items are listed on stderr). It touches no database.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.draft import plan_from_json
from pipeline.errors import PipelineError
from pipeline.records import LANGUAGES
from pipeline.render import EditionLinks, render_all, write_agenda, write_rendered


def render_plan_file(plan_path: Path, out_dir: Path, *, allow_incomplete: bool = False,
                     web_url_base: str = "") -> list[Path]:
    """Render a plan file in three languages, validate all, then write them (and agenda .ics)."""
    plan = plan_from_json(plan_path.read_text(encoding="utf-8"))
    base = web_url_base.rstrip("/")
    links = {lang: EditionLinks(web_url=f"{base}/{lang}.html" if base else "",
                                ical_url=f"{base}/{lang}.ics" if base else "")
             for lang in LANGUAGES}
    rendered = render_all(plan, links=links, allow_incomplete=allow_incomplete)
    written = write_rendered(rendered, out_dir)
    written += write_agenda(plan, out_dir, LANGUAGES)
    for edition in rendered.values():
        for warning in edition.warnings:
            click.echo(f"warning: {warning}", err=True)
    return written


@click.command("render-plan")
@click.argument("plan_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--allow-incomplete", is_flag=True,
              help="Write a preview despite missing translations.")
@click.option("--web-url-base", default="", help="Address where DIR will be published.")
def render_plan_command(plan_path: Path, out_dir: Path, allow_incomplete: bool,
                        web_url_base: str) -> None:
    """Render the plan in PLAN_PATH to DIR/{fr,en,es}.html and .txt."""
    try:
        written = render_plan_file(plan_path, out_dir, allow_incomplete=allow_incomplete,
                                   web_url_base=web_url_base)
    except (PipelineError, OSError) as error:
        raise click.ClickException(str(error)) from error
    for path in written:
        click.echo(str(path))
