"""Stream service metrics; `kind` is one of a few file kinds, never a path."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

STREAM_REQUESTS = Counter(
    "veza_stream_requests_total",
    "Media requests answered, by file kind and status.",
    ["kind", "status"],
)
STREAM_BYTES = Counter("veza_stream_bytes_total", "Media bytes sent, by file kind.", ["kind"])
STREAM_ACTIVE = Gauge("veza_stream_active", "Media responses being sent now.")
