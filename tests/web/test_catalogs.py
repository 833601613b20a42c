"""The interface catalogs are complete: every string the code and templates use is in
messages.pot, and French and Spanish translate each one with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def message_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_the_template_lists_every_string_in_use(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F",
                    "babel.cfg", "-k", "N_", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    assert message_ids(fresh) == message_ids(ROOT / "translations" / "messages.pot"), (
        "run the pybabel extract and update commands of babel.cfg")


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_string_is_translated_with_its_placeholders(lang: str) -> None:
    path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert message_ids(path) == message_ids(ROOT / "translations" / "messages.pot")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: no translation for {ids[0]!r}"
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == expected, (lang, ids[0], string)
