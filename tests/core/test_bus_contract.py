"""The Bus contract for every implementation, and NATS subject matching."""

from __future__ import annotations

import asyncio
import os
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veza.core.bus import BusMessage, Subscription, publish_json, subject_matches
from veza.core.bus_memory import MemoryBus
from veza.core.bus_nats import NatsBus

AnyBus = MemoryBus | NatsBus
BusOpener = Callable[..., Awaitable[AnyBus]]
GUARD_SECONDS = 10  # turns a lost message into a failure instead of a hung run
END = b"end"


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The server NatsBus's cases run against; they skip, saying why, without one."""
    url = os.environ.get("VEZA_TEST_NATS_URL")
    if not url:
        pytest.skip("NatsBus needs VEZA_TEST_NATS_URL (the URL of a running server)")
    return url


@pytest.fixture(params=["memory", "nats"])
def bus_url(request: pytest.FixtureRequest) -> str | None:
    """None for MemoryBus; the server's URL for NatsBus (skipped without one)."""
    url: str | None = None if request.param == "memory" else request.getfixturevalue("nats_url")
    return url


@pytest.fixture
async def open_bus(bus_url: str | None) -> AsyncIterator[BusOpener]:
    """Opens buses of the implementation under test; all are closed afterwards."""
    opened: list[AnyBus] = []

    async def open_one(buffer: int = 10_000) -> AnyBus:
        bus: AnyBus = (
            MemoryBus(buffer=buffer)
            if bus_url is None
            else await NatsBus.connect(bus_url, buffer=buffer)
        )
        opened.append(bus)
        return bus

    yield open_one
    for bus in opened:
        await bus.close()


@pytest.fixture
async def bus(open_bus: BusOpener) -> AnyBus:
    return await open_bus()


@pytest.fixture
async def peer(bus: AnyBus, open_bus: BusOpener) -> AnyBus:
    """Another process's bus: a second connection when scaled; in-process there is only one."""
    return bus if isinstance(bus, MemoryBus) else await open_bus()


@pytest.fixture
def prefix() -> str:
    """A subject prefix of this test's own, so runs sharing a server never cross."""
    return f"t{uuid4().hex}"


async def receive(subscription: Subscription, until: bytes | None = END) -> list[BusMessage]:
    """Messages up to and including the one carrying `until`, or until iteration ends."""
    received: list[BusMessage] = []
    async with asyncio.timeout(GUARD_SECONDS):
        async for message in subscription:
            received.append(message)
            if message.data == until:
                break
    return received


def datas(messages: list[BusMessage]) -> list[bytes]:
    return [message.data for message in messages]


async def test_a_subscriber_receives_each_message_once(
    bus: AnyBus, peer: AnyBus, prefix: str
) -> None:
    subject = f"{prefix}.room.1"
    subscription = await bus.subscribe(subject)
    await peer.publish(subject, b"hello")
    await peer.publish(subject, END)
    assert await receive(subscription) == [BusMessage(subject, b"hello"), BusMessage(subject, END)]


async def test_headers_travel_with_the_message(bus: AnyBus, peer: AnyBus, prefix: str) -> None:
    subject = f"{prefix}.room.1"
    subscription = await bus.subscribe(subject)
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await peer.publish(subject, b"hello", {"traceparent": traceparent})
    await peer.publish(subject, END)
    first, last = await receive(subscription)
    assert (first.data, dict(first.headers or {})) == (b"hello", {"traceparent": traceparent})
    assert not last.headers


async def test_every_subscriber_receives_the_message(
    bus: AnyBus, peer: AnyBus, prefix: str
) -> None:
    subject = f"{prefix}.room.1"
    here, there = await bus.subscribe(subject), await peer.subscribe(subject)
    await bus.publish(subject, b"hello")
    await bus.publish(subject, END)
    assert datas(await receive(here)) == [b"hello", END]
    assert datas(await receive(there)) == [b"hello", END]


async def test_wildcards_match_one_token_or_the_rest(bus: AnyBus, prefix: str) -> None:
    exact = await bus.subscribe(f"{prefix}.room.1")
    one_token = await bus.subscribe(f"{prefix}.room.*")
    the_rest = await bus.subscribe(f"{prefix}.>")
    for suffix in ("", ".room.1", ".room.1.extra", ".other", ".roomy.1"):
        await bus.publish(prefix + suffix, b"x")
    await bus.publish(f"{prefix}.room.1", END)

    def suffixes(messages: list[BusMessage]) -> list[str]:
        return [message.subject.removeprefix(prefix) for message in messages]

    assert suffixes(await receive(exact)) == [".room.1", ".room.1"]
    assert suffixes(await receive(one_token)) == [".room.1", ".room.1"]
    assert suffixes(await receive(the_rest)) == [
        ".room.1",
        ".room.1.extra",
        ".other",
        ".roomy.1",
        ".room.1",
    ]


async def test_messages_from_one_publisher_arrive_in_order(
    bus: AnyBus, peer: AnyBus, prefix: str
) -> None:
    subject = f"{prefix}.room.1"
    subscription = await bus.subscribe(subject)
    sent = [str(index).encode() for index in range(500)]
    for data in sent:
        await peer.publish(subject, data)
    await peer.publish(subject, END)
    assert datas(await receive(subscription)) == [*sent, END]


async def test_unsubscribe_ends_iteration(bus: AnyBus, prefix: str) -> None:
    subject = f"{prefix}.room.1"
    subscription = await bus.subscribe(subject)
    received: list[BusMessage] = []
    first = asyncio.Event()

    async def consume() -> None:
        async for message in subscription:
            received.append(message)
            first.set()

    consumer = asyncio.create_task(consume())
    await bus.publish(subject, b"before")
    async with asyncio.timeout(GUARD_SECONDS):
        await first.wait()
        await subscription.unsubscribe()
        await consumer
    assert datas(received) == [b"before"]


async def test_unsubscribe_stops_delivery(bus: AnyBus, prefix: str) -> None:
    subject = f"{prefix}.room.1"
    leaving, staying = await bus.subscribe(subject), await bus.subscribe(subject)
    await leaving.unsubscribe()
    await bus.publish(subject, b"after")
    await bus.publish(subject, END)
    assert datas(await receive(staying)) == [b"after", END]
    assert await receive(leaving, until=None) == []


async def test_nothing_is_kept_for_absent_subscribers(bus: AnyBus, prefix: str) -> None:
    subject = f"{prefix}.room.1"
    await bus.publish(subject, b"nobody listens")
    subscription = await bus.subscribe(subject)
    await bus.publish(subject, END)
    assert datas(await receive(subscription)) == [END]


async def test_a_slow_subscriber_loses_what_overflows_its_buffer(
    open_bus: BusOpener, prefix: str
) -> None:
    bus = await open_bus(buffer=10)
    subject = f"{prefix}.room.1"
    subscription = await bus.subscribe(subject)
    sent = [str(index).encode() for index in range(50)]
    for data in sent:
        await bus.publish(subject, data)
    await bus.ping()  # NATS: the server has delivered all 50 before it answers the ping
    assert subscription.dropped == 40
    messages = aiter(subscription)
    async with asyncio.timeout(GUARD_SECONDS):
        kept = [(await anext(messages)).data for _ in range(10)]
        await bus.publish(subject, END)  # room again once the buffer is read
        after = await anext(messages)
    assert kept == sent[:10]
    assert after.data == END


async def test_close_ends_every_iteration(bus: AnyBus, prefix: str) -> None:
    subscription = await bus.subscribe(f"{prefix}.>")
    consumer = asyncio.create_task(receive(subscription, until=None))
    await asyncio.sleep(0)  # let the consumer start waiting
    await bus.close()
    assert await consumer == []
    await subscription.unsubscribe()  # still allowed, as shutdown code may do it late
    await bus.close()


async def test_publish_json_round_trips(bus: AnyBus, prefix: str) -> None:
    subject = f"{prefix}.event.track.ready"
    subscription = await bus.subscribe(subject)
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    await publish_json(bus, subject, {"track": 7, "title": "Ünïcode ♪", "tags": ["a"], "at": when})
    await bus.publish(subject, END)
    message, _ = await receive(subscription)
    assert message.json() == {"track": 7, "title": "Ünïcode ♪", "tags": ["a"], "at": str(when)}


async def test_nats_connect_fails_fast_when_the_server_is_down() -> None:
    with pytest.raises(ConnectionError, match=r"nats://127\.0\.0\.1:1"):
        await NatsBus.connect("nats://127.0.0.1:1", connect_timeout=1)


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.b", "a.c", False),
        ("a.b.c", "a.b", False),
        ("a.b", "a.b.c", False),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.*.c", "a.x.c", True),
        ("*.b", "a.b", True),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        (">", "a", True),
    ],
)
def test_subject_matches(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


tokens = st.lists(
    st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=6),
    min_size=1,
    max_size=6,
)


@given(tokens)
def test_a_subject_matches_itself_and_the_full_wildcard(parts: list[str]) -> None:
    subject = ".".join(parts)
    assert subject_matches(subject, subject)
    assert subject_matches(">", subject)


@given(tokens, st.data())
def test_wildcards_stand_for_tokens(parts: list[str], data: st.DataObject) -> None:
    subject = ".".join(parts)
    index = data.draw(st.integers(0, len(parts) - 1))
    assert subject_matches(".".join([*parts[:index], "*", *parts[index + 1 :]]), subject)
    # `>` needs at least one token after the ones it follows.
    assert subject_matches(".".join([*parts[:index], ">"]), subject)
    assert not subject_matches(".".join([*parts, ">"]), subject)
