"""Alembic environment: the engine comes from the caller (pipeline.store.db.upgrade_db)."""

from __future__ import annotations

from alembic import context

from pipeline.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    from pipeline.settings import load_settings
    from pipeline.store.db import create_db_engine

    engine = create_db_engine(load_settings().resolved_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
