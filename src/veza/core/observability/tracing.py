"""OpenTelemetry tracing: incoming HTTP and WebSocket, SQL, outgoing HTTP and the bus.

Spans are made and exported (OTLP over HTTP) only when `VEZA_OTLP_ENDPOINT` is set. Without
it nothing is instrumented at all: even spans that record nothing cost about a quarter of a
light request's CPU time (bench/observability_overhead.py), for trace ids nobody could look up.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from sqlalchemy.ext.asyncio import AsyncEngine

from veza import __version__
from veza.core.observability.logging import REDACTED

TRACES_PATH = "/v1/traces"
# Probes and scrapes would be most of the spans and tell nothing.
UNTRACED_URLS = "/health$,/metrics$"

# Attributes that would hold the whole URL, query string included.
URL_ATTRIBUTES = ("http.url", "url.full", "url.query")

# None: tracing is off (no endpoint), and nothing is instrumented.
_provider: TracerProvider | None = None


def tracing_active() -> bool:
    return _provider is not None


def use_tracer_provider(provider: TracerProvider | None) -> TracerProvider | None:
    """Make `provider` Veza's for apps and engines instrumented from now on; returns the old one."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def tracer() -> trace.Tracer:
    """Veza's tracer; a no-op one (no span, no header) while tracing is off."""
    if _provider is None:
        return trace.NoOpTracer()
    return _provider.get_tracer("veza", __version__)


def traces_url(endpoint: str) -> str:
    """`http://collector:4318` -> `http://collector:4318/v1/traces` (a full URL is kept)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def build_provider(*, endpoint: str | None, service: str) -> TracerProvider | None:
    """A provider exporting every span to `endpoint`; None (tracing off) without one."""
    if not endpoint:
        return None
    resource = Resource.create({"service.name": f"veza-{service}", "service.version": __version__})
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=resource, sampler=ParentBased(ALWAYS_ON))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint))))
    return provider


def configure_tracing(*, endpoint: str | None, service: str) -> None:
    """Process start (`veza serve`): Veza's provider, also the global one for libraries."""
    provider = build_provider(endpoint=endpoint, service=service)
    use_tracer_provider(provider)
    if provider is not None:
        trace.set_tracer_provider(provider)
        instrument_outgoing_http()


def instrument_outgoing_http() -> None:
    """Every httpx client of the process: a client span and a `traceparent` header per request."""
    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=_provider)


def scrub_url(span: trace.Span, path: str) -> None:
    """Put `path` where the span records the request's URL: no query string (WebSocket
    clients send their token there) and, once routed, no secret path part (stream tokens)."""
    if not span.is_recording():
        return
    recorded = getattr(span, "attributes", None) or {}
    span.set_attribute("http.target", path)
    if "url.path" in recorded:
        span.set_attribute("url.path", path)
    for key in URL_ATTRIBUTES:
        if key in recorded:
            span.set_attribute(key, REDACTED)


def _on_request(span: trace.Span, scope: dict[str, Any]) -> None:
    scrub_url(span, scope.get("path", ""))


def instrument_app(app: Any) -> None:
    """A server span per HTTP request and per WebSocket connection, named by route template."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=_on_request,
    )


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span per SQL statement run on `engine`."""
    connections = metrics.get_meter("veza.db").create_up_down_counter("db.client.connections.usage")
    EngineTracer(tracer(), engine.sync_engine, connections)  # type: ignore[no-untyped-call]
