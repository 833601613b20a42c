"""Structured logs: one event per line, ``key=value`` (logfmt) or JSON, on stderr.

Jobs bind ``run_id`` (and ``source_id`` / ``item_id`` where they work on one) so that every line
of a run can be found with grep.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(fmt: str = "logfmt", level: int = logging.INFO) -> None:
    renderer: structlog.typing.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=False)
    else:
        renderer = structlog.processors.LogfmtRenderer(
            key_order=["at", "level", "event", "run_id"], drop_missing=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="at"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(**bound: object) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger().bind(**bound)
    return logger
