"""Files the package ships, found with :mod:`importlib.resources` wherever it is installed.

The e-mail templates (``templates/`` in the repository) and the glossary and catalogs
(``translations/``) are installed as the packages ``pipeline.templates`` and
``pipeline.translations`` (setup.py maps them); taxonomy, gazetteer, migrations and demo data
live inside their stage's package. Nothing is looked up from the working directory or from the
repository around the package, so ``pip install .`` and ``pip install -e .`` read the same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pipeline.errors import PipelineError


def bundled_path(package: str, *parts: str) -> Path:
    """The path on disk of a file or folder that ``package`` ships (pip installs unzipped)."""
    resource = files(package).joinpath(*parts)
    if not isinstance(resource, Path):
        raise PipelineError(f"{package} is installed zipped ({resource}): install the project "
                            "with pip, which unpacks it")
    return resource


TEMPLATES_DIR = bundled_path("pipeline.templates", "email")
"""The Jinja2/MJML templates of the editions and of the web archive."""
CATALOGS_DIR = bundled_path("pipeline.translations")
"""``<lang>/LC_MESSAGES/messages.po``: the interface strings of the editions."""
GLOSSARY_PATH = bundled_path("pipeline.translations", "glossary.toml")
"""The Initiative's glossary: the default of the ``glossary_path`` setting."""
