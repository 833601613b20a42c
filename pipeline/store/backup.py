"""Online backups: SQLite's backup API, ``pg_dump`` for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, make_url

from pipeline.errors import StoreError


def backup_db(engine: Engine, target: Path) -> Path:
    """Copy the live database to ``target`` while other processes may be writing."""
    if target.exists():
        raise StoreError(f"{target} exists: choose a new file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreError("an in-memory database cannot be backed up")
        live = Path(url.database).expanduser().resolve()
        if not live.is_file():
            raise StoreError(f"no database file at {live}")
        try:
            # as_uri() percent-encodes '#' and '?', which would otherwise end the path.
            source = sqlite3.connect(f"{live.as_uri()}?mode=ro", uri=True)
            try:
                destination = sqlite3.connect(target)
                try:
                    source.backup(destination, pages=1024)
                finally:
                    destination.close()
            finally:
                source.close()
        except (sqlite3.Error, OSError) as exc:
            target.unlink(missing_ok=True)
            raise StoreError(f"backup to {target} failed: {exc}") from None
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise StoreError("pg_dump not found: install the PostgreSQL client tools")
    # The password goes through the environment, never the process list.
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    plain = url.set(drivername="postgresql", password=None).render_as_string()
    done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={target}",
                           f"--dbname={plain}"], capture_output=True, text=True, check=False,
                          env=env)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise StoreError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")
    return target


def restore_pg(dump: Path, url: str) -> None:
    """Load a ``pg_dump --format=custom`` file into an empty PostgreSQL database."""
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise StoreError("pg_restore not found: install the PostgreSQL client tools")
    parsed = make_url(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    plain = parsed.set(drivername="postgresql", password=None).render_as_string()
    done = subprocess.run([pg_restore, "--no-owner", f"--dbname={plain}", str(dump)],
                          capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise StoreError(f"pg_restore failed: {done.stderr.strip()}")
