"""The command line through the real entry point: exit codes, messages, nothing half-written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.store.db import head_revision
from tests.conftest import run_pipeline


def test_help_lists_the_stable_commands(tmp_path: Path) -> None:
    done = run_pipeline(["--help"], cwd=tmp_path)
    assert done.returncode == 0
    for command in ("collect", "db", "status", "users", "subscribers"):
        assert f"  {command} " in done.stdout


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    done = run_pipeline(["collect", "--no-such-flag"], cwd=tmp_path)
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_db_upgrade_creates_sqlite_under_var(tmp_path: Path) -> None:
    done = run_pipeline(["db", "upgrade"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"migrated from empty to {head_revision()}" in done.stdout
    db_file = tmp_path / "var" / "pipeline.sqlite3"
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = run_pipeline(["db", "upgrade"], cwd=tmp_path)
    assert f"already at revision {head_revision()}" in again.stdout


def test_unreachable_database_is_one_line_exit_1(tmp_path: Path) -> None:
    env = {"PIPELINE_DATABASE_URL": "postgresql://app:hunter22@127.0.0.1:1/pipeline"}
    done = run_pipeline(["status"], cwd=tmp_path, env=env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: cannot open postgresql+psycopg://app:***@127.0.0.1:1/")
    assert "hunter22" not in done.stderr and "Traceback" not in done.stderr


def test_broken_sources_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[sources]]\nid = "a"\nname = "A"\nurl = "https://a.example/feed"\nlang = "xx"\n')
    done = run_pipeline(["collect"], cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: sources.toml: sources[0].lang: expected one of fr, en, es, pt, de, it, got 'xx'")
    assert not (tmp_path / "var").exists()


def test_unknown_source_id_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[sources]]\nid = "a"\nname = "A"\nurl = "https://a.example/feed"\nlang = "fr"\n')
    done = run_pipeline(["collect", "--source", "b"], cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --source: unknown source id(s): b"


def test_users_add_and_duplicate(tmp_path: Path) -> None:
    args = ["users", "add", "amina", "--role", "ambassador", "--region", "africa",
            "--password-stdin"]
    done = run_pipeline(args, cwd=tmp_path, input_text="correct horse battery\n")
    assert done.returncode == 0, done.stderr
    assert "user amina (ambassador, africa) created" in done.stdout
    again = run_pipeline(args, cwd=tmp_path, input_text="correct horse battery\n")
    assert again.returncode == 1
    assert again.stderr.strip() == "error: NAME: a user named 'amina' already exists"
    no_region = run_pipeline(["users", "add", "bo", "--role", "ambassador", "--password-stdin"],
                             cwd=tmp_path, input_text="correct horse battery\n")
    assert no_region.stderr.strip() == "error: --region: an ambassador needs a region"
    with sqlite3.connect(tmp_path / "var" / "pipeline.sqlite3") as conn:
        rows = conn.execute("SELECT name, role, region, password_hash FROM users").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("amina", "ambassador", "africa")]
    assert rows[0][3].startswith("$argon2id$") and "correct horse" not in rows[0][3]


def test_subscribers_import_reports_bad_rows_and_updates(tmp_path: Path) -> None:
    csv_file = tmp_path / "subs.csv"
    csv_file.write_text(
        "email,language,publications\n"
        "Ana@Example.org,es,newsletter;press-review\n"
        "jean@example.fr,fr,newsletter\n"
        "bad-address,en,newsletter\n"
        "kim@example.org,de,newsletter\n"
        "lee@example.org,en,weekly\n", encoding="utf-8")
    done = run_pipeline(["subscribers", "import", str(csv_file)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 added, 0 updated, 0 unchanged, 3 rejected" in done.stdout
    assert "line 4: email: not a valid address 'bad-address'" in done.stderr
    assert "line 5: language: expected one of fr, en, es, got 'de'" in done.stderr
    csv_file.write_text("email,language,publications\nana@example.org,en,newsletter\n")
    again = run_pipeline(["subscribers", "import", str(csv_file)], cwd=tmp_path)
    assert "0 added, 1 updated" in again.stdout
    with sqlite3.connect(tmp_path / "var" / "pipeline.sqlite3") as conn:
        rows = conn.execute(
            "SELECT email, language, publications, status FROM subscribers ORDER BY email"
        ).fetchall()
    assert rows == [("ana@example.org", "en", '["newsletter"]', "confirmed"),
                    ("jean@example.fr", "fr", '["newsletter"]', "confirmed")]


def test_status_on_a_fresh_database(tmp_path: Path) -> None:
    done = run_pipeline(["status"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Sources" in done.stdout and "Editions: none" in done.stdout
