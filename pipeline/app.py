"""The application context every command runs in: settings, and the database on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pipeline.settings import Settings
from pipeline.store.db import create_db_engine, ensure_db, make_sessionmaker, session_scope


@dataclass
class App:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)
    _factory: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The engine, migrated to the newest schema on first use."""
        if self._engine is None:
            engine = create_db_engine(self.settings.resolved_database_url)
            ensure_db(engine)
            self._engine = engine
        return self._engine

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        if self._factory is None:
            self._factory = make_sessionmaker(self.engine)
        with session_scope(self._factory, readonly=readonly) as session:
            yield session

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
