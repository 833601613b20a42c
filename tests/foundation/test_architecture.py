"""The rules of the architecture that a grep can check."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"
QUERY = re.compile(r"select\(|session\.(execute|scalars|scalar|query|add)\b")
ROLE = r'"(?:editor|approver|ambassador|admin)"'
ROLE_LIST = re.compile(rf"{ROLE}\s*,\s*{ROLE}|APPROVER_ROLES")
"""Role names written out as a list (``("editor", "approver", …)``) instead of using
pipeline.states.Role and pipeline.permissions."""


def test_the_store_owns_every_query() -> None:
    """``grep -rnE "select\\(|session\\.(execute|scalars|scalar|query|add)\\b" pipeline/
    --include=*.py | grep -v "^pipeline/store/"`` finds nothing."""
    found = [f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py")) if "store" not in path.parts
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if QUERY.search(line)]
    assert found == []


def test_role_names_are_written_once() -> None:
    """Roles are pipeline.states.Role; rights are pipeline.permissions (a migration writes
    the values of its own revision out, on purpose)."""
    found = [str(path.relative_to(PACKAGE.parent)) for path in sorted(PACKAGE.rglob("*.py"))
             if path.name not in ("states.py", "permissions.py")
             and "migrations" not in path.parts
             and ROLE_LIST.search(path.read_text(encoding="utf-8"))]
    assert found == []


COLLECTOR_NEVER_LOADS = ("feedparser", "trafilatura", "courlan", "lxml", "alembic",
                         "pipeline.collect.feeds", "pipeline.collect.articles",
                         "pipeline.collect.reading")
"""What the process of ``pipeline collect`` leaves to its parse workers (and to migrations)."""


def test_the_collector_process_loads_no_parser_and_no_migration_tool() -> None:
    """``pipeline collect`` moves bytes and stores rows: the parsers are loaded by its parse
    workers, alembic only when a database must be migrated (each costs start-up and exit)."""
    import subprocess
    import sys

    code = ("import sys, pipeline.cli, pipeline.app, pipeline.jobs.collect\n"
            f"print(sorted(m for m in {COLLECTOR_NEVER_LOADS!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
