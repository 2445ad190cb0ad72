"""Chat metrics (served at /metrics with the rest)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Gauge("veza_chat_connections_active", "Open chat WebSocket connections.")
MESSAGES = Counter("veza_chat_messages_total", "Client frames handled, by frame type.", ["type"])
DELIVERY_SECONDS = Histogram(
    "veza_chat_delivery_seconds",
    "Time from storing a message to handing it to local subscribers.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
