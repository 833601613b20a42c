"""Fixtures of the translation tests: the real Apertium binary, wrappers that misbehave."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from pipeline.translate.glossary import Glossary, load_glossary

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "translate"
GLOSSARY_PATH = ROOT / "translations" / "glossary.toml"


def require_apertium() -> None:
    """Fail in CI, skip elsewhere, when the apertium packages are not installed."""
    if shutil.which("apertium") is None:
        if os.environ.get("CI"):
            pytest.fail("apertium is not installed: .ci/run must apt-get install it")
        pytest.skip("apertium is not installed (apt-get install apertium apertium-eng-spa "
                    "apertium-fr-es)")


@pytest.fixture
def apertium() -> None:
    require_apertium()


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    return load_glossary(GLOSSARY_PATH)


def write_script(path: Path, body: str) -> str:
    path.write_text("#!/bin/bash\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture
def misbehaving_apertium(tmp_path: Path, apertium: None) -> str:
    """A wrapper around the real apertium that dies on CRASHNOW and hangs on HANGNOW."""
    return write_script(tmp_path / "apertium-wrapper", """
input=$(cat)
if [[ "$input" == *CRASHNOW* ]]; then printf 'partial output\\n'; kill -9 $$; fi
if [[ "$input" == *HANGNOW* ]]; then sleep 300; fi
printf '%s\\n' "$input" | exec apertium "$@"
""")


@pytest.fixture
def broken_apertium(tmp_path: Path, apertium: None) -> str:
    """A wrapper that lists the real modes but fails every translation."""
    return write_script(tmp_path / "apertium-broken", """
if [[ "$1" == "-l" || "$1" == "-V" ]]; then exec apertium "$@"; fi
cat > /dev/null
exit 3
""")


def read_tsv(name: str) -> list[dict[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
