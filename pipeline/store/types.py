"""Column types of the schema: aware UTC datetimes, typed states with their CHECK constraint,
an edition's per-language state."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import MappedColumn, mapped_column

from pipeline.records import LanguageState


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite gives them back naive, we give them back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LanguageStates(TypeDecorator[dict[str, LanguageState]]):
    """An edition's per-language state: JSON in the database, :class:`LanguageState` here."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, LanguageState] | None, dialect: Dialect
                           ) -> dict[str, Any] | None:
        if value is None:
            return None
        return {lang: state.to_json() for lang, state in value.items()}

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect
                             ) -> dict[str, LanguageState] | None:
        if value is None:
            return None
        return {lang: LanguageState.from_json(raw) for lang, raw in value.items()}


class StateType(TypeDecorator[StrEnum]):
    """A state column: its ``StrEnum``'s value in the database, the member here. Values are
    written as they are (a ``StrEnum`` is a ``str``; no per-row work when storing thousands of
    items) and checked by the database's CHECK constraint."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def state_column(enum: type[StrEnum], name: str, length: int, default: StrEnum, *,
                 index: bool = False) -> MappedColumn[Any]:
    """A column holding one of ``enum``'s values, with a CHECK constraint named
    ``ck_<table>_<name>`` listing them (migration 0005 adds the same constraints)."""
    allowed = ", ".join(f"'{member.value}'" for member in enum)
    return mapped_column(StateType(enum, length),
                         CheckConstraint(f"{name} IN ({allowed})", name=name),
                         default=default, index=index)


__all__ = ["LanguageStates", "StateType", "UTCDateTime", "state_column"]
