"""The files the team edits from the web app, and which copy the pipeline reads.

The package ships a taxonomy (``pipeline/classify/data/taxonomy.toml``) and a glossary
(``translations/glossary.toml``). An installed package is no place to write to, so the team's
edits live in the data folder (the ``data_dir`` setting, ``<var_dir>/data`` by default):

- the first save from the taxonomy or glossary page copies the bundled file there (comments
  and order kept) and changes the copy;
- from then on every job reads the copy: classification (``pipeline process``, submissions,
  the taxonomy page's preview) and translation;
- deleting the copy goes back to the bundled file (a newer version of the package may ship a
  newer one: the copy shadows it until then).

``PIPELINE_GLOSSARY_PATH``, when it names a file of the administrator's, wins: that file is
read and the glossary page edits it in place.
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, load_taxonomy
from pipeline.settings import Settings

TAXONOMY_FILE = "taxonomy.toml"
GLOSSARY_FILE = "glossary.toml"


def bundled_glossary_path() -> Path:
    """The glossary the package ships (the ``glossary_path`` setting's default)."""
    default = next(f.default for f in fields(Settings) if f.name == "glossary_path")
    assert isinstance(default, Path)
    return default


def glossary_is_named(settings: Settings) -> bool:
    """True when the administrator named a glossary file of their own."""
    return settings.glossary_path.resolve() != bundled_glossary_path().resolve()


def taxonomy_edit_path(settings: Settings) -> Path:
    """Where an edit of the taxonomy is saved."""
    return settings.resolved_data_dir / TAXONOMY_FILE


def glossary_edit_path(settings: Settings) -> Path:
    """Where an edit of the glossary is saved."""
    if glossary_is_named(settings):
        return settings.glossary_path
    return settings.resolved_data_dir / GLOSSARY_FILE


def taxonomy_path(settings: Settings) -> Path:
    """The taxonomy the pipeline reads: the team's copy once there is one, else the bundled
    file."""
    copy = taxonomy_edit_path(settings)
    return copy if copy.is_file() else DEFAULT_TAXONOMY_PATH


def glossary_path(settings: Settings) -> Path:
    """The glossary the pipeline reads (the administrator's file, else the team's copy once
    there is one, else the bundled file)."""
    edited = glossary_edit_path(settings)
    return edited if edited.is_file() else settings.glossary_path


def bundled_taxonomy_path() -> Path:
    return DEFAULT_TAXONOMY_PATH


def team_taxonomy(settings: Settings) -> Taxonomy:
    """The taxonomy the pipeline reads, compiled once per version of the file."""
    path = taxonomy_path(settings)
    stat = path.stat()
    return _compiled(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _compiled(path: str, mtime_ns: int, size: int) -> Taxonomy:
    del mtime_ns, size  # the cache key: a changed file is compiled again
    return load_taxonomy(path)


__all__ = ["bundled_glossary_path", "bundled_taxonomy_path", "glossary_edit_path",
           "glossary_is_named", "glossary_path", "taxonomy_edit_path", "taxonomy_path",
           "team_taxonomy"]
