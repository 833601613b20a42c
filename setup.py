"""Package layout (metadata is in pyproject.toml).

The team edits the e-mail templates in ``templates/`` and the glossary and interface catalogs
in ``translations/`` at the top of the repository; the build installs them as the packages
``pipeline.templates`` and ``pipeline.translations``, and the code reads them with
``importlib.resources`` (:mod:`pipeline.resources`), so that a wheel (``pip install .``) and an
editable install (``pip install -e .``, scripts/setup) read the same one copy. pyproject.toml
cannot add mapped packages to the ones it finds, hence this file.
"""

from setuptools import find_packages, setup

DATA = ["*.toml", "*.md", "*.json", "*.jsonl", "*.xml", "*.html", "*.txt", "*.mjml", "*.po",
        "*.pot", "*.ini", "*.mako", "*.npz", "*.css", "*.js", "*.svg", "*.png", "*.ico", "*.woff2"]
"""Data files shipped from any folder of the package (``**/`` is added below)."""

setup(
    packages=[*find_packages(include=["pipeline", "pipeline.*"]),
              "pipeline.templates", "pipeline.translations"],
    package_dir={"pipeline.templates": "templates", "pipeline.translations": "translations"},
    package_data={
        "pipeline": [f"**/{pattern}" for pattern in DATA]
        + ["store/migrations/versions/*.py"],
        "pipeline.templates": [f"**/{pattern}" for pattern in DATA],
        "pipeline.translations": [f"**/{pattern}" for pattern in DATA],
    },
)
