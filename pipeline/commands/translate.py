"""Click commands of the translation stage (mounted by :mod:`pipeline.cli`).

- ``translate_text`` → ``pipeline translate-text --source fr --target en [--engine NAME]``:
  one segment per stdin line → one translated line per stdout line, same count and order.
- ``translate`` group → ``pipeline translate install PATH_OR_NAME`` and
  ``pipeline translate engines``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.errors import PipelineError
from pipeline.records import LANGUAGES
from pipeline.translate import ENGINE_NAMES, build_engines, build_translator, install_package

if TYPE_CHECKING:
    from pipeline.settings import Settings


def _settings() -> Settings:
    """The settings the ``pipeline`` group loaded (or loaded now, for a bare command)."""
    settings = getattr(click.get_current_context().find_root().obj, "settings", None)
    if settings is None:
        from pipeline.settings import load_settings

        settings = load_settings()
    return settings


def _engine_names(engine: str | None) -> list[str]:
    return [engine] if engine is not None else list(_settings().translation_engines)


@click.command("translate-text")
@click.option("--source", required=True, type=click.Choice(LANGUAGES), help="Source language.")
@click.option("--target", required=True, type=click.Choice(LANGUAGES), help="Target language.")
@click.option("--engine", type=click.Choice(ENGINE_NAMES),
              help="Use only this engine (default: the settings' order).")
@click.option("--glossary", "glossary_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Glossary file (default: the glossary_path setting).")
@click.option("--no-glossary", is_flag=True, help="Translate without the glossary.")
@click.option("--jsonl", is_flag=True,
              help="Write one JSON object per line: text, flags, engine, unknown words.")
def translate_text(source: str, target: str, engine: str | None, glossary_path: Path | None,
                   no_glossary: bool, jsonl: bool) -> None:
    """Translate stdin, one segment per line, to stdout, one line per segment."""
    data = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    try:
        if no_glossary:
            glossary = None
        else:
            from pipeline.teamfiles import glossary_path as team_glossary

            glossary = glossary_path or team_glossary(_settings())
        translator = build_translator(_engine_names(engine), glossary_path=glossary)
        results = translator.translate_segments(lines, source, target, engine=engine)
    except PipelineError as exc:
        raise click.ClickException(str(exc)) from None
    out = sys.stdout
    for result in results:
        text = " ".join(result.text.splitlines()) if result.text.strip() else ""
        if jsonl:
            out.write(json.dumps({"text": text, "flags": list(result.flags),
                                  "engine": result.engine_label or None,
                                  "unknown": list(result.unknown),
                                  "origin": result.origin}, ensure_ascii=False) + "\n")
        else:
            out.write(text + "\n")
    out.flush()


@click.group("translate")
def translate() -> None:
    """Translation engines: install Argos packages, list what is available."""


@translate.command("install")
@click.argument("path_or_name")
@click.option("--packages-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Install there instead of Argos Translate's package directory.")
def install(path_or_name: str, packages_dir: Path | None) -> None:
    """Install an Argos package from a .argosmodel file, or SRC-TGT (e.g. fr-en) from the
    Argos package index when online."""
    try:
        installed = install_package(path_or_name, packages_dir)
    except PipelineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"installed {installed}")


@translate.command("engines")
def engines() -> None:
    """List the configured engines, their version and the directions they can do."""
    try:
        configured = build_engines(_engine_names(None))
    except PipelineError as exc:
        raise click.ClickException(str(exc)) from None
    for engine in configured:
        pairs = sorted(engine.pairs())
        shown = ", ".join(f"{s}-{t}" for s, t in pairs) if pairs else "unavailable"
        version = engine.version if pairs else ""
        click.echo(f"{engine.name}\t{version}\t{shown}")
