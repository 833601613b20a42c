"""The composing layer: the only code that calls both the stages and the store.

Each job gathers (config and stored rows), runs a stage on typed records, then writes in short
transactions. Stages never import each other or the store.
"""

from pipeline.jobs.collect import CollectReport, Progress, SourceReport, collect, select_sources

__all__ = ["CollectReport", "Progress", "SourceReport", "collect", "select_sources"]
