"""Tracing: real spans from real requests through the real app, SQL and the bus included;
OTLP export to a real HTTP receiver when an endpoint is set, and nothing recorded without."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tracing_helpers import in_trace, spans

from chat.conftest import ServerFactory, start_server
from chat.support import make_room, open_socket
from conftest import AppFactory, client_for, register
from veza.core.observability.tracing import (
    build_provider,
    instrument_outgoing_http,
    tracer,
    traces_url,
    tracing_active,
    use_tracer_provider,
)

__all__ = ["spans", "start_server"]  # fixtures used here
WAIT_SECONDS = 10


def of_kind(found: list[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in found if span.kind == kind]


async def test_one_request_is_one_trace_from_client_to_sql_and_across_the_bus(
    spans: InMemorySpanExporter, start_server: ServerFactory
) -> None:
    server = await start_server()
    instrument_outgoing_http()
    try:
        async with server.http() as http:
            owner = await register(http, "hamlet")
            room = await make_room(http, owner)
            subscription = await server.app.state.backends.bus.subscribe(f"veza.room.{room}")
            spans.clear()
            patched = await http.patch(
                f"/api/v1/rooms/{room}", json={"topic": "modular synths"}, headers=owner.auth
            )
            assert patched.status_code == 200, patched.text
            async with asyncio.timeout(WAIT_SECONDS):
                async for message in subscription:
                    assert message.json()["type"] == "room.updated"
                    break
            await subscription.unsubscribe()
    finally:
        HTTPXClientInstrumentor().uninstrument()

    (client,) = [s for s in of_kind(list(spans.get_finished_spans()), SpanKind.CLIENT)
                 if s.name == "PATCH"]  # fmt: skip
    assert client.context is not None
    trace = in_trace(spans, client.context.trace_id)
    # The server continued the client's trace (traceparent over real HTTP), named by template.
    (handled,) = of_kind(trace, SpanKind.SERVER)
    assert handled.name == "PATCH /api/v1/rooms/{room_id}"
    assert handled.parent is not None
    assert handled.parent.span_id == client.context.span_id
    # SQL statements ran inside the request's trace, the room's UPDATE among them.
    statements = [s.attributes or {} for s in of_kind(trace, SpanKind.CLIENT) if s is not client]
    system = "postgresql" if server.app.state.settings.nats_url else "sqlite"
    assert {attributes["db.system"] for attributes in statements} == {system}
    sql = [str(attributes["db.statement"]) for attributes in statements]
    assert any(statement.startswith("UPDATE rooms SET topic") for statement in sql), sql
    # The bus carried the context: publish and receive are one pair in the same trace.
    (published,) = of_kind(trace, SpanKind.PRODUCER)
    (received,) = of_kind(trace, SpanKind.CONSUMER)
    assert (published.name, received.name) == ("veza.room.* publish", "veza.room.* receive")
    assert published.context is not None
    assert received.parent is not None
    assert received.parent.span_id == published.context.span_id
    bus = "nats" if server.app.state.settings.nats_url else "memory"
    assert (published.attributes or {})["messaging.system"] == bus


async def test_a_websocket_connection_is_a_server_span_without_its_token(
    spans: InMemorySpanExporter, start_server: ServerFactory
) -> None:
    server = await start_server()
    async with server.http() as http:
        owner = await register(http, "hamlet")
    client = await open_socket(server.ws_url, owner.access_token)
    await client.ok("ping")
    await client.close()

    def socket_spans() -> list[ReadableSpan]:
        found = of_kind(list(spans.get_finished_spans()), SpanKind.SERVER)
        return [span for span in found if (span.attributes or {}).get("http.route") == "/ws"]

    async with asyncio.timeout(WAIT_SECONDS):
        while not socket_spans():  # the span ends just after the socket closes  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    (socket_span,) = socket_spans()
    attributes = dict(socket_span.attributes or {})
    assert attributes["http.target"] == "/ws"
    for part in owner.access_token.split("."):
        assert part not in str(attributes)


async def test_a_stream_token_in_the_path_stays_out_of_spans(
    spans: InMemorySpanExporter, app_factory: AppFactory
) -> None:
    app = await app_factory()
    token = "c2lnbmVkLXN0cmVhbS10b2tlbi1mb3ItdGVzdA.Zm9yZ2VkLXNpZ25hdHVyZQ"
    async with client_for(app) as http:
        answer = await http.get(f"/stream/{token}/master.m3u8")
        assert 400 <= answer.status_code < 500
    (handled,) = of_kind(list(spans.get_finished_spans()), SpanKind.SERVER)
    assert handled.name == "GET /stream/{token}/{name:path}"
    assert token not in str(dict(handled.attributes or {}))
    assert (handled.attributes or {})["http.target"] == "/stream/[redacted]/master.m3u8"


async def test_without_an_endpoint_nothing_is_traced(app_factory: AppFactory) -> None:
    assert build_provider(endpoint=None, service="api") is None
    assert not tracing_active()
    app = await app_factory()
    bus = app.state.backends.bus
    subscription = await bus.subscribe("veza.test.untraced")
    await bus.publish("veza.test.untraced", b"x")
    async for message in subscription:
        assert message.headers is None  # no trace context to carry
        break
    await subscription.unsubscribe()
    span = tracer().start_span("anything")
    assert not span.is_recording()
    assert not span.get_span_context().is_valid


def test_otlp_urls() -> None:
    assert traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert traces_url("http://collector:4318/v1/traces") == "http://collector:4318/v1/traces"


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A minimal OTLP/HTTP receiver: keeps what it is sent, answers 200."""

    received: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def otlp_receiver() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    received: list[tuple[str, str, bytes]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


async def test_with_an_endpoint_spans_are_exported_over_otlp_http(
    otlp_receiver: tuple[str, list[tuple[str, str, bytes]]], app_factory: AppFactory
) -> None:
    endpoint, received = otlp_receiver
    provider = build_provider(endpoint=endpoint, service="api")
    assert provider is not None
    previous = use_tracer_provider(provider)
    try:
        app = await app_factory()
        async with client_for(app) as http:
            account = await register(http, "hamlet")
            assert (await http.get("/api/v1/auth/me", headers=account.auth)).status_code == 200
        assert provider.force_flush(int(WAIT_SECONDS * 1000))
    finally:
        use_tracer_provider(previous)
        provider.shutdown()
    assert received, "nothing reached the collector"
    path, content_type, _ = received[0]
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    exported = b"".join(body for _, _, body in received)
    assert b"veza-api" in exported  # the service name, in the resource
    assert b"/api/v1/auth/me" in exported
    assert account.access_token.encode() not in exported
