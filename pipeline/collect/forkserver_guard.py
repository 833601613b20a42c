"""Imported by the parse fork server only, as a preload (see :mod:`pipeline.collect.sandbox`):
the import itself binds the fork server's life to the process that started it. Nothing else
imports this module."""

from pipeline.collect.lifeline import die_with_parent

die_with_parent()
