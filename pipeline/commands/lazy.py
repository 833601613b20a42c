"""Commands imported only when named: ``pipeline collect`` never loads the translators, the
renderer or the classifier's evaluation (a quarter of the start-up time otherwise)."""

from __future__ import annotations

import importlib
from typing import Any

import click

STAGE_COMMANDS: tuple[tuple[str, str, str], ...] = (
    # (group: "" for the top level, command name, "module:attribute")
    ("inspect", "feed", "pipeline.commands.collect:inspect_feed"),
    ("inspect", "article", "pipeline.commands.collect:inspect_article"),
    ("inspect", "classify", "pipeline.commands.classify:inspect_classify"),
    ("eval", "classify", "pipeline.commands.classify:eval_classify"),
    ("", "classify", "pipeline.commands.classify:classify_group"),
    ("", "translate-text", "pipeline.commands.translate:translate_text"),
    ("", "translate", "pipeline.commands.tmx:translate_group"),
    ("", "render-plan", "pipeline.commands.render:render_plan_command"),
)


class LazyGroup(click.Group):
    """A group some of whose commands are imported only when named (or listed by ``--help``):
    ``pipeline collect`` then never loads the translators, the renderer or the classifier's
    evaluation, which costs a quarter of the start-up time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.pop(cmd_name, None)
        if target is not None:
            module, _, attribute = target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command), target
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def add_lazy_command(group: click.Group, name: str, target: str) -> None:
    """Register ``target`` ("module:attribute") as ``name`` in ``group``, imported when used."""
    assert isinstance(group, LazyGroup), group.name
    group.lazy[name] = target
