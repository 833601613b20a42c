"""The ``pipeline translate`` group: the stage's engine commands plus the translation memory's
TMX import and export (which need the database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pipeline.app import App
from pipeline.commands.translate import translate as translate_group

pass_app = click.make_pass_decorator(App)


def by_option() -> Any:
    return click.option("--by", "by", metavar="USER", help="Act as this user (their role must "
                        "allow it). Default: the pipeline itself.")


@click.command("export-tmx")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@by_option()
@pass_app
def translate_export_tmx(app: App, path: Path, by: str | None) -> None:
    """Export the translation memory as TMX 1.4 (for the team's other tools)."""
    from pipeline.jobs.accounts import resolve_actor
    from pipeline.jobs.texts import export_memory

    count = export_memory(app, resolve_actor(app, by), path)
    click.echo(f"{count} translation units written to {path}")


@click.command("import-tmx")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--origin", type=click.Choice(["approved", "reviewed", "edited"]),
              default="approved", show_default=True,
              help="How far the file's translations were checked ('edited' is the old name of "
                   "'reviewed').")
@by_option()
@pass_app
def translate_import_tmx(app: App, path: Path, origin: str, by: str | None) -> None:
    """Load a TMX file into the translation memory (its segments are never re-translated)."""
    from pipeline.jobs.accounts import resolve_actor
    from pipeline.jobs.texts import import_memory

    count = import_memory(app, resolve_actor(app, by), path,
                          "reviewed" if origin == "edited" else origin)
    click.echo(f"{count} translation units loaded from {path}")


translate_group.add_command(translate_export_tmx, "export-tmx")
translate_group.add_command(translate_import_tmx, "import-tmx")
