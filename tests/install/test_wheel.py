"""A real install: build a wheel of the checkout, install it in a fresh virtual environment and
run ``pipeline demo --no-serve`` from another folder.

To stay fast and offline, the new environment gets the test environment's dependencies through a
``.pth`` line (site-packages only: the ``.pth`` files there, the editable install of this
checkout among them, are not run) and only the wheel is installed, with ``--no-deps``. The test
checks that the package it runs is the installed copy, not the checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "pipeline", "templates", "translations")
"""What a build reads (the checkout is copied first: a build writes build/ and *.egg-info)."""
BUNDLED = {"pipeline": "pipeline", "templates": "pipeline/templates",
           "translations": "pipeline/translations"}
"""Checkout folder → where the wheel puts it."""


def run(args: list[str], *, cwd: Path, env: Mapping[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PIPELINE_", "PYTHON", "PIP_"))}
    done = subprocess.run(args, cwd=cwd, env={**clean, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(dist), str(source)], cwd=source)
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv)
    python = venv / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               cwd=venv).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-index", "--disable-pip-version-check", str(wheel)], cwd=venv)
    return venv / "bin"


def shipped_files() -> dict[str, Path]:
    """Every file of the checkout that the package must carry, by its path in the wheel."""
    files = {}
    for folder, target in BUNDLED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{target}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return files


def test_wheel_carries_every_resource_once(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = {n for n in archive.namelist() if ".dist-info/" not in n}
        contents = {n: archive.read(n) for n in names}
    assert sorted(set(shipped_files()) - names) == []
    assert sorted(names - set(shipped_files())) == []
    # One source of truth: no data file is shipped twice under two names.
    seen: dict[str, str] = {}
    for name, content in sorted(contents.items()):
        if name.endswith(".py") or not content:
            continue
        digest = hashlib.sha256(content).hexdigest()
        assert digest not in seen, f"{name} is a copy of {seen.get(digest)}"
        seen[digest] = name


def test_installed_demo_runs_from_another_folder(installed: Path,
                                                 tmp_path: Path) -> None:
    where = run([str(installed / "python"), "-c",
                 "import pipeline, pipeline.resources as r; print(pipeline.__file__); "
                 "print(r.TEMPLATES_DIR); print(r.GLOSSARY_PATH)"], cwd=tmp_path).stdout
    venv = installed.parent
    for line in where.splitlines():  # the installed copy, never the checkout
        assert Path(line).is_relative_to(venv), where
    done = run([str(installed / "pipeline"), "demo", "--no-serve"], cwd=tmp_path)
    assert "collected 45 items from 6 demo feeds" in done.stdout
    out = tmp_path / "var" / "demo"
    for kind in ("press-review", "newsletter"):
        for lang in ("fr", "en", "es"):
            html = (out / kind / f"{lang}.html").read_text(encoding="utf-8")
            assert f'lang="{lang}"' in html
            assert (out / kind / f"{lang}.txt").stat().st_size > 1000
            assert any((out / "archive" / kind / lang).glob("*-*.html"))
    # Interface strings come from the bundled catalogs, the glossary from the bundled file.
    assert "Revue de presse" in (out / "press-review" / "fr.html").read_text(encoding="utf-8")
    spanish = (out / "newsletter" / "es.txt").read_text(encoding="utf-8")
    if shutil.which("apertium"):
        assert "carbono orgánico del suelo" in spanish
    # A glossary the user names still wins over the bundled one.
    mine = tmp_path / "mine.toml"
    mine.write_text('keep = ["Sahel"]\n', encoding="utf-8")
    chosen = run([str(installed / "python"), "-c",
                  "from pipeline.settings import load_settings; "
                  "print(load_settings().glossary_path)"],
                 cwd=tmp_path, env={"PIPELINE_GLOSSARY_PATH": str(mine)}).stdout.strip()
    assert chosen == str(mine)
