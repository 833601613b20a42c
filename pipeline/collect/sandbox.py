"""Parsing untrusted documents in worker processes, each document under a time and memory limit.

Feeds and article pages are parsed by feedparser, lxml and trafilatura: C and pure-Python code
that a hostile document can keep busy for minutes or grow to gigabytes (19.5 kB of gzipped
nested tags made feedparser use 2.2 GB). Every parse of the collect stage and of ``pipeline
inspect`` therefore runs here, in a pool of worker processes (pebble's ``ProcessPool``: one
task's timeout or crash costs that task and its worker only, the pool starts another):

- **time**: a parse that runs longer than ``time_s`` has its worker killed;
- **memory**: before each parse the worker lowers its address-space limit (``RLIMIT_AS``) to
  what it uses now plus ``memory_mb``; going over fails the allocation, and the worker exits
  (its memory goes back to the system) with :data:`MEMORY_EXIT_CODE`;
- **a crash** (a parser's C code aborting) fails that document alone.

Each failure is raised as a :class:`~pipeline.errors.ParseError` that says which limit was hit.

The workers are forks of multiprocessing's fork server, which imports the parsers once; both
the fork server and the workers die with the process that started them (see
:mod:`pipeline.collect.lifeline`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from pipeline.collect.lifeline import die_with_parent
from pipeline.errors import ParseError

T = TypeVar("T")
MEMORY_EXIT_CODE = 86
"""A worker's exit status after it went over the memory limit."""
MAX_WORKERS = 4
PRELOADED = ["__main__", "pipeline.collect.forkserver_guard", "pipeline.collect.reading"]
"""Imported once by the fork server: every worker starts with the parsers loaded."""


@dataclass(frozen=True, slots=True)
class InWorker(Generic[T]):
    """A function named by its module and name, imported where it is called: handed to a
    worker, it travels as its two names, and the process that schedules it never loads the
    module (the parsers cost a collector 0.1 s to import and again to unload)."""

    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        function: Callable[..., T] = getattr(importlib.import_module(self.module), self.name)
        return function(*args, **kwargs)


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Per-document limits (settings ``PIPELINE_PARSE_TIME_LIMIT`` and
    ``PIPELINE_PARSE_MEMORY_LIMIT_MB``)."""

    time_s: float = 20.0
    memory_mb: int = 256


def _start_worker() -> None:
    """Runs first in every worker: die with the fork server (which dies with the collector),
    or at once if the collector is already gone."""
    die_with_parent()
    collector = multiprocessing.parent_process()
    if collector is not None and not collector.is_alive():
        os._exit(1)


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _run_limited(memory_bytes: int, warm: tuple[str, ...], function: Callable[..., T],
                 args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Runs in a worker: one document under the memory limit."""
    for module in warm:  # loaded before measuring: the limit is for the document
        importlib.import_module(module)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if memory_bytes > 0:
        limit = _address_space() + memory_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        return function(*args, **kwargs)
    except MemoryError:
        os._exit(MEMORY_EXIT_CODE)  # whatever the parser kept goes back to the system
    finally:
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


class ParseSandbox:
    """A pool of parse workers; use as a context manager, or call :meth:`close`.

    Create it from a thread that outlives it (the main thread of a command): the fork server it
    starts is bound to that thread's life.
    """

    def __init__(self, limits: ParseLimits = ParseLimits(), workers: int | None = None) -> None:
        self.limits = limits
        count = workers or min(os.cpu_count() or 1, MAX_WORKERS)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED)
        multiprocessing.forkserver.ensure_running()  # from this thread (see the class doc)
        self._pool = ProcessPool(max_workers=max(count, 1), context=context,
                                 initializer=_start_worker)
        self._closed = False
        self._stopping: threading.Thread | None = None

    def start(self) -> ParseSandbox:
        """Start the workers from a thread: the first one waits until the fork server has
        loaded the parsers, which the caller does not need to wait for."""
        threading.Thread(target=self._warm_up, name="parse-pool-start", daemon=True).start()
        return self

    def _warm_up(self) -> None:
        with contextlib.suppress(RuntimeError):  # closed already: nothing to warm up
            self._pool.schedule(os.getpid)

    def _schedule(self, function: Callable[..., T], args: tuple[Any, ...],
                  kwargs: dict[str, Any], warm: tuple[str, ...]) -> ProcessFuture[T]:
        memory = self.limits.memory_mb * 1024 * 1024
        return self._pool.schedule(_run_limited, args=(memory, warm, function, args, kwargs),
                                   timeout=self.limits.time_s or None)

    async def run(self, function: Callable[..., T], *args: Any, warm: tuple[str, ...] = (),
                  **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in a worker, within the limits."""
        future = self._schedule(function, args, kwargs, warm)
        try:
            return await asyncio.wrap_future(future)
        except (FutureTimeout, ProcessExpired) as error:
            raise self._explain(error) from None

    def run_sync(self, function: Callable[..., T], *args: Any, warm: tuple[str, ...] = (),
                 **kwargs: Any) -> T:
        """The same, from synchronous code (``pipeline inspect``)."""
        future = self._schedule(function, args, kwargs, warm)
        try:
            return future.result()
        except (FutureTimeout, ProcessExpired) as error:
            raise self._explain(error) from None

    def _explain(self, error: BaseException) -> ParseError:
        if isinstance(error, ProcessExpired):
            if error.exitcode == MEMORY_EXIT_CODE:
                return ParseError(f"document refused: parsing it needed more than "
                                  f"{self.limits.memory_mb} MB (parse memory limit)")
            return ParseError(f"document refused: the parser crashed (exit {error.exitcode})")
        return ParseError(f"document refused: parsing it took longer than "
                          f"{self.limits.time_s:g} s (parse time limit)")

    def stop(self) -> None:
        """Stop the workers from a thread of its own, while the caller finishes its own work
        (pebble's threads notice within their 0.1 s polling period, then the workers are
        reaped); :meth:`close` waits for it."""
        if self._stopping is None:
            self._pool.stop()
            self._stopping = threading.Thread(target=self._pool.join, name="parse-pool-stop",
                                              daemon=True)
            self._stopping.start()

    def close(self) -> None:
        """Stop the workers now (a parse still running is abandoned) and wait for them."""
        if not self._closed:
            self._closed = True
            self.stop()
            if self._stopping is not None:
                self._stopping.join()

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
