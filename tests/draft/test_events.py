"""The team's events list: parsed into agenda events, errors naming the key path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.draft import parse_events
from pipeline.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "render" / "events.toml"


def test_example_list_is_read_in_utc_and_order() -> None:
    events = parse_events(EXAMPLE.read_text(encoding="utf-8"), file=str(EXAMPLE))
    assert [e.event_id for e in events] == ["world-soil-day-2026", "regional-meeting-lac-2027"]
    assert events[0].starts_at == datetime(2026, 12, 5, tzinfo=UTC)
    assert events[1].starts_at == datetime(2027, 1, 20, 14, tzinfo=UTC)
    assert events[0].texts["en"].summary.startswith("Every 5 December")
    assert events[0].texts["fr"].summary == ""
    assert "es" not in events[1].texts  # rendering will name it as untranslated


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ('[[events]]\nstarts_at = 2026-01-01\ntitle = {en = "x"}', "events[0].id"),
        ('[[events]]\nid = "a"\ntitle = {en = "x"}', "events[0].starts_at"),
        ('[[events]]\nid = "a"\nstarts_at = 2026-01-01T10:00:00\ntitle = {en = "x"}',
         "events[0].starts_at"),
        ('[[events]]\nid = "a"\nstarts_at = 2026-01-02\nends_at = 2026-01-01\n'
         'title = {en = "x"}', "events[0].ends_at"),
        ('[[events]]\nid = "a"\nstarts_at = 2026-01-01\ntitle = {de = "x"}', "events[0].title.de"),
        ('[[events]]\nid = "a"\nstarts_at = 2026-01-01\ntitle = {en = "x"}\n'
         '[[events]]\nid = "a"\nstarts_at = 2026-01-01\ntitle = {en = "y"}', "events[1].id"),
    ],
)
def test_errors_name_the_key_path(document: str, path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_events(document, file="events.toml")
    assert str(caught.value).startswith(f"events.toml: {path}: ")


def test_invalid_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_events("[[events]\n")
