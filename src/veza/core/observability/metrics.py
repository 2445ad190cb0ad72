"""Prometheus metrics. Labels stay bounded: route templates, never raw paths or ids."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being answered now.")
# Labelled children by (method, route, status): `labels()` checks and locks on every call,
# and the label values are bounded, so each child is looked up once.
_HTTP_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and observe its duration."""
    children = _HTTP_CHILDREN.get((method, route, status))
    if children is None:
        children = (
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)),
            HTTP_DURATION.labels(method=method, route=route),
        )
        _HTTP_CHILDREN[(method, route, status)] = children
    children[0].inc()
    children[1].observe(seconds)


AUTH_ATTEMPTS = Counter(
    "veza_auth_attempts_total", "Sign-in and registration outcomes.", ["result"]
)


class DatabasePoolCollector(Collector):
    """Reads the SQLAlchemy pool's numbers at scrape time."""

    def __init__(self) -> None:
        self._pool: Any = None

    def watch(self, pool: Any) -> None:
        self._pool = pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # metric suffix -> (QueuePool method, help); SQLite's pool lacks some, which read as 0.
        readings = {
            "size": ("size", "Connections the pool keeps open."),
            "checked_out": ("checkedout", "Connections in use."),
            "checked_in": ("checkedin", "Idle connections in the pool."),
            "overflow": ("overflow", "Connections opened beyond the pool size."),
        }
        for suffix, (method, help_text) in readings.items():
            reader = getattr(self._pool, method, None)
            family = GaugeMetricFamily(f"veza_db_pool_{suffix}", help_text)
            family.add_metric([], float(reader()) if callable(reader) else 0.0)
            yield family


class StorageDiskCollector(Collector):
    """Free and total bytes of the file system under local media storage, read at scrape time."""

    def __init__(self) -> None:
        self._root: Path | None = None

    def watch(self, root: Path | None) -> None:
        self._root = root

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self._root is None:  # object storage: no disk of ours to watch
            return
        try:
            usage = shutil.disk_usage(self._root)
        except OSError:  # the volume went away; /ready says so, and the alert sees no series
            return
        yield GaugeMetricFamily(
            "veza_storage_free_bytes", "Bytes free for media storage.", value=usage.free
        )
        yield GaugeMetricFamily(
            "veza_storage_size_bytes", "Size of the media storage file system.", value=usage.total
        )


DB_POOL = DatabasePoolCollector()
REGISTRY.register(DB_POOL)
STORAGE_DISK = StorageDiskCollector()
REGISTRY.register(STORAGE_DISK)
