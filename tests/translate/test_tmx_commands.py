"""The translation memory's TMX commands act as a named user (``--by``) through the
permission table, as the other commands do: a round trip through a TMX file, an ambassador
refused in one line."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_pipeline

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="none"
          adminlang="en" srclang="en" datatype="plaintext"/>
  <body>
    <tu>
      <tuv xml:lang="en"><seg>Healthy soils store carbon.</seg></tuv>
      <tuv xml:lang="fr"><seg>Des sols sains stockent du carbone.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_tmx_import_and_export_as_a_named_user(tmp_path: Path) -> None:
    (tmp_path / "in.tmx").write_text(TMX, encoding="utf-8")
    for name, role, region in (("eva", "editor", []), ("ama", "ambassador",
                                                        ["--region", "africa"])):
        added = run_pipeline(["users", "add", name, "--role", role, *region,
                              "--password-stdin"], cwd=tmp_path,
                             input_text="a long enough password\n")
        assert added.returncode == 0, added.stderr

    refused = run_pipeline(["translate", "import-tmx", "in.tmx", "--by", "ama"], cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "ama" in refused.stderr

    loaded = run_pipeline(["translate", "import-tmx", "in.tmx", "--by", "eva"], cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "1 translation units loaded" in loaded.stdout

    written = run_pipeline(["translate", "export-tmx", "out.tmx", "--by", "eva"], cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    exported = (tmp_path / "out.tmx").read_text(encoding="utf-8")
    assert "Des sols sains stockent du carbone." in exported
