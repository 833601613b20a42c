"""The click commands, run as real processes (stdin → stdout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import GLOSSARY_PATH, ROOT, read_tsv
from .tiny_argos import build_package


def run(
    command: str, args: list[str], *, stdin: str = "", home: Path,
    env: dict[str, str] | None = None, timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    code = f"from pipeline.commands.translate import {command}; {command}()"
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("PIPELINE_", "ARGOS_"))}
    full_env = {**inherited, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
                "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
                "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, text=True,
                          capture_output=True, cwd=home, env=full_env, timeout=timeout,
                          check=False)


@pytest.mark.apertium
def test_translate_text_one_line_per_line(tmp_path: Path, apertium: None) -> None:
    rows = read_tsv("ntrex128.head30.en-fr-es.tsv")[:10]
    lines = [row["fr"] for row in rows]
    lines[3] = ""
    lines[5] = "La <em>santé des sols</em> selon la FAO.\r"
    stdin = "\n".join(lines) + "\n"
    done = run("translate_text", ["--source", "fr", "--target", "en", "--engine", "apertium",
                                  "--glossary", str(GLOSSARY_PATH)], stdin=stdin, home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines)
    assert out[3] == ""
    assert out[5] == "The <em>soil health</em> according to the FAO."
    assert all(o and o != i for o, i in zip(out, lines, strict=False) if i)


@pytest.mark.apertium
def test_translate_text_jsonl_and_settings_order(tmp_path: Path, apertium: None) -> None:
    done = run("translate_text", ["--source", "es", "--target", "fr", "--jsonl"],
               stdin="El suelo de zyxwvutlandia.\nLa tierra.", home=tmp_path,
               env={"PIPELINE_TRANSLATION_ENGINES": "argos,apertium"})
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["engine"].startswith("apertium ")  # no Argos package installed: fallback
    # (a capitalised "Zyxwvutland" would be a name, kept as written and not flagged)
    assert first["unknown"] == ["zyxwvutlandia"] and "unknown_words" in first["flags"]
    assert second["text"] and second["flags"] == []


def test_translate_text_without_any_engine_keeps_lines_flagged(tmp_path: Path) -> None:
    done = run("translate_text", ["--source", "fr", "--target", "en", "--jsonl"],
               stdin="Le sol.\n", home=tmp_path, env={"PIPELINE_TRANSLATION_ENGINES": "argos"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {"text": "Le sol.", "flags": ["needs_translation"], "engine": None,
                      "unknown": [], "origin": "needs_translation"}


def test_bad_usage_and_bad_settings(tmp_path: Path) -> None:
    done = run("translate_text", ["--source", "de", "--target", "en"], home=tmp_path)
    assert done.returncode == 2
    done = run("translate_text", ["--source", "fr", "--target", "en"], stdin="x\n",
               home=tmp_path, env={"PIPELINE_TRANSLATION_ENGINES": "deepl"})
    assert done.returncode == 1
    assert "PIPELINE_TRANSLATION_ENGINES: unknown translation engine 'deepl'" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = run("translate_text", ["--source", "fr", "--target", "en", "--glossary",
                                  str(tmp_path / "missing.toml")], stdin="x\n", home=tmp_path)
    assert done.returncode == 1 and "glossary file not found" in done.stderr


def test_install_then_list_engines(tmp_path: Path) -> None:
    archive = build_package(tmp_path / "build", "fr", "en")
    done = run("translate", ["install", str(archive)], home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "translate-fr_en-tiny" in done.stdout
    listed = run("translate", ["engines"], home=tmp_path,
                 env={"PIPELINE_TRANSLATION_ENGINES": "argos"})
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("argos\t") and "fr-en" in listed.stdout
    translated = run("translate_text", ["--source", "fr", "--target", "en", "--engine",
                                        "argos"], stdin="Le sol.\n\nLa terre.\n", home=tmp_path)
    assert translated.returncode == 0, translated.stderr
    assert len(translated.stdout.split("\n")) == 4


def test_install_refuses_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.argosmodel"
    bad.write_text("not a zip")
    done = run("translate", ["install", str(bad)], home=tmp_path)
    assert done.returncode == 1
    assert "not an Argos package" in done.stderr and "Traceback" not in done.stderr
