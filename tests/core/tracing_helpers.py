"""An in-memory span exporter behind Veza's tracer, for the apps a test starts.

(No conftest.py here: it would shadow the top-level `conftest` module the tests import.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON

from veza.core.observability.tracing import use_tracer_provider


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span of apps created from now on, recorded; Veza's own provider comes back after."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous = use_tracer_provider(provider)
    try:
        yield exporter
    finally:
        use_tracer_provider(previous)
        provider.shutdown()


def in_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [
        s for s in exporter.get_finished_spans() if s.context and s.context.trace_id == trace_id
    ]
