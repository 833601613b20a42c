"""Processes that die with their parent, whatever kills it (Linux ``PR_SET_PDEATHSIG``).

The parse workers are forked by multiprocessing's fork server, itself started by the collecting
process. Each worker keeps the fork server alive (it holds the server's "alive" pipe), so
neither would notice on its own that the collecting process was SIGKILLed: both ask the kernel
for a SIGKILL when their parent goes. The chain is then: collector dies → fork server killed →
workers killed → the resource tracker sees its pipe closed and exits.

The parent-death signal follows the *thread* that started the process: the fork server must be
started from a thread that lives as long as the pool (see :mod:`pipeline.collect.sandbox`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask for SIGKILL when the parent dies. False where the platform has no such thing (not
    Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
