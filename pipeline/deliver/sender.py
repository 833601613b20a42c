"""Sending many messages over a few kept SMTP connections, at a limited rate.

:func:`send_jobs` takes jobs from an iterator (the caller claims them as it goes, so nothing
is loaded at once), hands them to ``connections`` worker threads, each holding one SMTP
connection for the whole run, and reports each result through ``on_result`` as soon as the
server answered, before the next message on that connection: what was sent is recorded one
message at a time, so a crash repeats at most the messages on the wire.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipeline.deliver.smtp import Outcome, SendResult, SmtpConnection, SmtpTarget
from pipeline.errors import DeliveryError, one_line

UNREACHABLE_LIMIT = 10
"""Connection failures in a row after which the run stops (the relay is down)."""


@dataclass(slots=True)
class Job:
    """One message to send: built in the worker, so that building runs beside the network."""

    key: int
    envelope_from: str
    recipient: str
    build: Callable[[], bytes]


@dataclass
class PoolReport:
    results: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    unsent: list[Job] = field(default_factory=list)
    """Jobs taken from the iterator but never handed to the server (a stop)."""
    unreachable: bool = False
    """Stopped because the relay could not be reached :data:`UNREACHABLE_LIMIT` times in a
    row."""


class RateLimiter:
    """At most ``rate`` acquisitions a second, all threads together (0: no limit)."""

    def __init__(self, rate: int) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.lock = threading.Lock()
        self.next_at = time.monotonic()

    def acquire(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            stop.wait(start - now)


_DONE = object()


def send_jobs(jobs: Iterator[Job], *, target: SmtpTarget, connections: int, rate: int,
              on_result: Callable[[Job, SendResult], None], stop: threading.Event,
              make_connection: Callable[[SmtpTarget], SmtpConnection] = SmtpConnection,
              ) -> PoolReport:
    """Send every job of ``jobs`` (until ``stop`` is set); see the module docstring.
    An exception in ``on_result`` (the database) stops the run and is raised here."""
    report = PoolReport()
    pending: queue.Queue[object] = queue.Queue(maxsize=connections * 2)
    limiter = RateLimiter(rate)
    lock = threading.Lock()
    state = {"unreachable_in_a_row": 0}
    errors: list[BaseException] = []

    def work() -> None:
        connection = make_connection(target)
        try:
            while True:
                item = pending.get()
                if item is _DONE:
                    return
                assert isinstance(item, Job)
                if stop.is_set():
                    with lock:
                        report.unsent.append(item)
                    continue
                limiter.acquire(stop)
                try:
                    data = item.build()
                except DeliveryError as exc:
                    result = SendResult(Outcome.FAILED, 0, f"not sent: {exc}")
                else:
                    result = connection.send(item.envelope_from, item.recipient, data)
                with lock:
                    report.results[result.outcome] += 1
                    if result.unreachable:
                        state["unreachable_in_a_row"] += 1
                        if state["unreachable_in_a_row"] >= UNREACHABLE_LIMIT:
                            report.unreachable = True
                            stop.set()
                    else:
                        state["unreachable_in_a_row"] = 0
                try:
                    on_result(item, result)
                except BaseException as exc:
                    with lock:
                        errors.append(exc)
                    stop.set()
        finally:
            connection.close()

    workers = [threading.Thread(target=work, name=f"smtp-{n}", daemon=True)
               for n in range(connections)]
    for worker in workers:
        worker.start()
    try:
        for job in jobs:
            if stop.is_set():
                report.unsent.append(job)
                break
            while True:  # a bounded queue: claims never run far ahead of the sending
                try:
                    pending.put(job, timeout=0.5)
                    break
                except queue.Full:
                    if not any(w.is_alive() for w in workers):
                        raise DeliveryError("every SMTP worker stopped") from None
    finally:
        for _ in workers:
            pending.put(_DONE)
        for worker in workers:
            worker.join()
    if errors:
        raise DeliveryError(f"recording a result failed: {one_line(errors[0])}") \
            from errors[0]
    return report


__all__ = ["UNREACHABLE_LIMIT", "Job", "PoolReport", "RateLimiter", "send_jobs"]
