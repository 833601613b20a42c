"""``/metrics`` in the Prometheus text format (prometheus_client), built per scrape from one
read of the database. Labels are source ids, job names, languages and states only: never an
address, a URL, an error text or a host name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from pipeline.jobs.health import Health
from pipeline.store.metrics import MetricsSnapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _timestamp(at: datetime | None) -> float:
    return at.timestamp() if at else 0.0


class SnapshotCollector(Collector):
    """The metric families of one snapshot."""

    def __init__(self, snapshot: MetricsSnapshot, health: Health) -> None:
        self.snapshot, self.health = snapshot, health

    def collect(self) -> Iterator[Metric]:
        s, health = self.snapshot, self.health
        up = GaugeMetricFamily("pipeline_up", "1 when the database answers, 0 when not")
        up.add_metric([], 1.0 if health.database == "ok" else 0.0)
        yield up
        active = GaugeMetricFamily("pipeline_scheduler_active",
                                   "1 while a scheduler holds the lease")
        active.add_metric([], 1.0 if health.scheduler else 0.0)
        yield active

        items = GaugeMetricFamily("pipeline_source_items", "Items stored, by source",
                                  labels=["source"])
        relevant = GaugeMetricFamily("pipeline_source_items_relevant",
                                     "Items classified relevant, by source", labels=["source"])
        errors = GaugeMetricFamily("pipeline_source_fetch_errors",
                                   "Consecutive failed fetches of a source", labels=["source"])
        paused = GaugeMetricFamily("pipeline_source_paused",
                                   "1 when a source is paused after repeated failures",
                                   labels=["source"])
        success = GaugeMetricFamily("pipeline_source_last_success_timestamp_seconds",
                                    "When a source was last fetched without error",
                                    labels=["source"])
        for source in s.sources:
            if not source.enabled:
                continue
            items.add_metric([source.id], source.items)
            relevant.add_metric([source.id], source.relevant)
            errors.add_metric([source.id], source.error_count)
            paused.add_metric([source.id], 1.0 if source.paused else 0.0)
            success.add_metric([source.id], _timestamp(source.last_success_at))
        yield from (items, relevant, errors, paused, success)

        queues = GaugeMetricFamily("pipeline_queue_depth", "Work waiting, by queue",
                                   labels=["queue"])
        for name, depth in sorted(s.queues.items()):
            queues.add_metric([name], depth)
        yield queues
        texts = GaugeMetricFamily("pipeline_translations_pending",
                                  "Texts waiting for a translator or a reviewer",
                                  labels=["lang", "state"])
        for (lang, state), count in sorted(s.texts_pending.items()):
            texts.add_metric([lang, state], count)
        yield texts
        editions = GaugeMetricFamily("pipeline_editions", "Editions, by publication and status",
                                     labels=["publication", "status"])
        for (kind, status), count in sorted(s.editions.items()):
            editions.add_metric([kind, status], count)
        yield editions
        sent = CounterMetricFamily("pipeline_messages_sent", "Messages sent to subscribers")
        sent.add_metric([], s.deliveries.get("sent", 0))
        yield sent
        bounces = CounterMetricFamily("pipeline_bounces", "Deliveries that bounced")
        bounces.add_metric([], s.deliveries.get("bounced", 0))
        yield bounces
        deliveries = GaugeMetricFamily("pipeline_deliveries", "Deliveries, by status",
                                       labels=["status"])
        for status, count in sorted(s.deliveries.items()):
            deliveries.add_metric([status], count)
        yield deliveries
        subscribers = GaugeMetricFamily("pipeline_subscribers", "Subscribers, by status",
                                        labels=["status"])
        for status, count in sorted(s.subscribers.items()):
            subscribers.add_metric([status], count)
        yield subscribers
        yield from self._jobs()

    def _jobs(self) -> Iterator[Metric]:
        durations = SummaryMetricFamily("pipeline_job_duration_seconds",
                                        "Durations of the finished runs of the last day",
                                        labels=["job"])
        runs = GaugeMetricFamily("pipeline_job_runs", "Runs of the last day, by status",
                                 labels=["job", "status"])
        last = GaugeMetricFamily("pipeline_job_last_duration_seconds",
                                 "Duration of a job's last finished run", labels=["job"])
        for times in self.snapshot.jobs:
            durations.add_metric([times.job], count_value=len(times.seconds),
                                 sum_value=sum(times.seconds))
            for status, count in sorted(times.runs.items()):
                runs.add_metric([times.job, status], count)
            if times.last_seconds is not None:
                last.add_metric([times.job], times.last_seconds)
        success = GaugeMetricFamily("pipeline_job_last_success_timestamp_seconds",
                                    "When a scheduled job last succeeded", labels=["job"])
        healthy = GaugeMetricFamily("pipeline_job_healthy",
                                    "1 when a scheduled job is on time and not failing",
                                    labels=["job"])
        for job in self.health.jobs:
            if job.state == "off":
                continue
            success.add_metric([job.name], _timestamp(job.last_ok_at))
            healthy.add_metric([job.name], 1.0 if job.healthy else 0.0)
        yield from (durations, runs, last, success, healthy)


def render_metrics(snapshot: MetricsSnapshot, health: Health) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot, health))
    return generate_latest(registry)


__all__ = ["CONTENT_TYPE", "render_metrics"]
