"""Jobs for the scheduler's tests, importable by its child processes
(``tests.ops.sample_jobs:NAME``)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from pipeline.app import App
from pipeline.errors import ConfigError
from pipeline.jobs.runs import recorded_run


def works(app: App) -> None:
    with recorded_run(app, "works") as run:
        run.stats["pid"] = os.getpid()


def raises_before_its_run(app: App) -> None:
    raise ConfigError("file not found", file="sources.toml")


def crashes_in_its_run(app: App) -> None:
    with recorded_run(app, "crashes"):
        raise RuntimeError("a bug in a job")


def hangs(app: App) -> None:
    """Starts a grandchild (as collect starts parse workers), then never ends."""
    marker = Path(app.settings.var_dir) / "hang.pids"
    helper = subprocess.Popen(["sleep", "600"])
    marker.write_text(f"{os.getpid()} {helper.pid}\n")
    with recorded_run(app, "hangs"):
        time.sleep(600)
