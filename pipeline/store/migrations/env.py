"""Alembic environment: the engine comes from the caller (pipeline.store.db.upgrade_db).

On SQLite, batch migrations copy a table into a new one, drop the old one and rename the copy;
with foreign keys on, dropping a parent table would first delete its children (``ON DELETE
CASCADE``: an item's texts and labels). Foreign keys are therefore off while migrating, checked
afterwards, and on again before the connection goes back to the pool.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from pipeline.errors import StoreError
from pipeline.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    from pipeline.settings import load_settings
    from pipeline.store.db import create_db_engine

    engine = create_db_engine(load_settings().resolved_database_url)

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw: Any = connection.connection.driver_connection
    if sqlite:  # outside any transaction, where SQLite honours it
        raw.execute("PRAGMA foreign_keys = OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys = ON")
    if sqlite and broken:
        raise StoreError(f"migration left {len(broken)} rows whose foreign key points nowhere "
                         f"(first: {broken[0]})")
