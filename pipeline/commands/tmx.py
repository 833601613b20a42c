"""The ``pipeline translate`` group: the stage's engine commands plus the translation memory's
TMX import and export (which need the database)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.app import App
from pipeline.commands.translate import translate as translate_group

pass_app = click.make_pass_decorator(App)


@click.command("export-tmx")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def translate_export_tmx(app: App, path: Path) -> None:
    """Export the translation memory as TMX 1.4 (for the team's other tools)."""
    from pipeline.store.memory import SqlTranslationMemory
    from pipeline.translate import export_tmx

    with app.session() as session:
        entries = SqlTranslationMemory(session).export_entries()
    count = export_tmx(entries, path)
    click.echo(f"{count} translation units written to {path}")


@click.command("import-tmx")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--origin", type=click.Choice(["approved", "reviewed", "edited"]),
              default="approved", show_default=True,
              help="How far the file's translations were checked ('edited' is the old name of "
                   "'reviewed').")
@pass_app
def translate_import_tmx(app: App, path: Path, origin: str) -> None:
    """Load a TMX file into the translation memory (its segments are never re-translated)."""
    from pipeline.store.memory import SqlTranslationMemory
    from pipeline.translate import import_tmx, remember_entries

    entries = import_tmx(path)
    with app.session() as session:
        count = remember_entries(SqlTranslationMemory(session), entries,
                                 origin="reviewed" if origin == "edited" else origin)
    click.echo(f"{count} translation units loaded from {path}")


translate_group.add_command(translate_export_tmx, "export-tmx")
translate_group.add_command(translate_import_tmx, "import-tmx")
