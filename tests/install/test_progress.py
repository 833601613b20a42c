"""The progress bar of long commands: drawn on a terminal (a real pseudo-terminal here),
nothing at all when stderr is piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

SCRIPT = """
from pipeline.cli import progress_bar
with progress_bar("working") as update:
    for done in range(1, 4):
        update(done, 3)
print("done")
"""


def test_progress_bar_is_drawn_on_a_terminal() -> None:
    leader, follower = pty.openpty()
    try:
        finished = subprocess.run([sys.executable, "-c", SCRIPT], stderr=follower,
                                  stdout=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert finished.returncode == 0
    assert finished.stdout == "done\n"
    text = drawn.decode()
    assert "working" in text and "33%" in text and "100%" in text


def test_progress_bar_is_silent_when_piped() -> None:
    finished = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                              timeout=120, check=False)
    assert finished.returncode == 0
    assert (finished.stdout, finished.stderr) == ("done\n", "")
