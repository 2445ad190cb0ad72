"""Chat load: idle connections, room fan-out, end-to-end latency, two nodes; Veza vs the reference.

    python -m bench.chat_load [--idle 10000] [--step-seconds 4] [--skip-two-nodes]

Starts, on loopback only: the raw `websockets` reference (`bench.chat_reference`), one
`veza serve chat` and then two of them, all sharing a throwaway PostgreSQL database, a unique
Redis prefix and NATS. Prints Markdown tables for bench/README.md. Every process it starts is
stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

from bench.chat_measure import (
    Receivers,
    Senders,
    Tally,
    Worker,
    cpu_seconds,
    load_average,
    resident_bytes,
)
from bench.chat_seed import Seeded, seed
from bench.chat_worker import raise_open_files_limit
from bench.run import POSTGRES, machine
from bench.server import Server, free_port, postgres_database, veza_server

REDIS = os.environ.get("VEZA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS = os.environ.get("VEZA_BENCH_NATS_URL", "nats://127.0.0.1:4222")
SENDERS = 20
MEMBERS = 50  # the end-to-end room
E2E_RATE = 200
# Offered fan-out, in deliveries per second; the messages/s are these over the room's size.
FANOUT_STEPS = (2_500, 5_000, 10_000, 20_000, 40_000, 60_000, 80_000, 120_000, 160_000, 240_000)
P99_LIMIT_MS = 100.0


@dataclass
class Target:
    """A chat server under test: where its nodes listen and which processes they are."""

    name: str
    ws_urls: list[str]  # one per node
    pids: list[int]

    def urls(self, tokens: list[str], node: int = 0) -> list[str]:
        return [f"{self.ws_urls[node]}?token={token}" for token in tokens]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


@contextlib.contextmanager
def reference_server() -> Iterator[Target]:
    port = free_port()
    command = [sys.executable, "-m", "bench.chat_reference", "--port", str(port)]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket_to(port):
                break
            time.sleep(0.1)
        yield Target("reference", [f"ws://127.0.0.1:{port}/"], [process.pid])
    finally:
        process.terminate()
        process.wait(timeout=10)


def socket_to(port: int) -> contextlib.AbstractContextManager[object]:
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=1)


def veza_env(database_url: str, secret_key: str, prefix: str) -> dict[str, str]:
    """Scaled stack, cheap hashing, chat limits raised through their settings only."""
    return {
        "VEZA_DATABASE_URL": database_url,
        "VEZA_REDIS_URL": REDIS,
        "VEZA_REDIS_PREFIX": prefix,
        "VEZA_NATS_URL": NATS,
        "VEZA_SECRET_KEY": secret_key,
        "VEZA_EMBEDDED_WORKERS": "false",
        "VEZA_ARGON2_TIME_COST": "1",
        "VEZA_ARGON2_MEMORY_KIB": "64",
        "VEZA_ACCESS_TOKEN_TTL_SECONDS": "3600",
        "VEZA_RATE_LIMIT_ENABLED": "true",
        "VEZA_RATE_LIMIT_PER_IP_PER_MINUTE": "1000000",
        "VEZA_CHAT_MESSAGES_PER_MINUTE": "10000",
        "VEZA_CHAT_CONNECTIONS_PER_IP": "20000",
    }


@contextlib.asynccontextmanager
async def receivers(count: int) -> AsyncIterator[Receivers]:
    pool = Receivers([await Worker.start() for _ in range(count)])
    try:
        yield pool
    finally:
        await pool.stop()


def halves(items: list[str], parts: int = 2) -> list[list[str]]:
    return [items[i::parts] for i in range(parts)]


async def idle(target: Target, tokens: list[str]) -> str:
    """Open every connection on one node; resident memory before and after, per connection."""
    pid = target.pids[0]
    before = resident_bytes(pid)
    async with receivers(2) as pool:
        seconds = await pool.connect(halves(target.urls(tokens)))
        await asyncio.sleep(3)
        after = resident_bytes(pid)
    per = (after - before) / len(tokens)
    return (
        f"| {target.name} | {len(tokens):,} | {before / 2**20:.0f} | {after / 2**20:.0f} | "
        f"{per / 1024:.1f} | {len(tokens) / seconds:,.0f} |"
    )


async def step(
    target: Target,
    pool: Receivers,
    senders: Senders,
    room: str,
    size: int,
    rate: float,
    seconds: float,
) -> tuple[str, bool]:
    """One level of load: a table row, and whether p99 stayed under the limit with no loss."""
    await pool.all(reset=True)
    cpu_before, errors_before = target.cpu(), sum(senders.stats.errors.values())
    began = time.monotonic()
    sent = await senders.pace(room, rate, seconds)
    elapsed = time.monotonic() - began
    await asyncio.sleep(1.5)  # let the last messages arrive
    cpu = target.cpu() - cpu_before
    tally = Tally.of(await pool.all(report=True))
    expected = sent * size
    p50, p99 = tally.percentile_ms(0.5), tally.percentile_ms(0.99)
    errors = sum(senders.stats.errors.values()) - errors_before
    lost = max(0, expected - tally.received)
    ok = p99 < P99_LIMIT_MS and lost <= expected * 0.001 and not tally.closes and not errors
    row = (
        f"| {target.name} | {size:,} | {rate:,.1f} | {tally.received / elapsed:,.0f} | {p50:.1f} | "
        f"{p99:.1f} | {lost:,} | {errors} | {tally.received / cpu if cpu else 0:,.0f} | "
        f"{'yes' if ok else 'no'} | {load_average().split()[0]} |"
    )
    return row, ok


async def fanout(
    target: Target, seeded: Seeded, sizes: tuple[int, ...], step_seconds: float
) -> list[str]:
    """Ramp the offered deliveries/s for each room size until p99 or delivery fails."""
    rows: list[str] = []
    senders = await Senders.open(target.urls(seeded.senders))
    nodes = len(target.ws_urls)
    try:
        async with receivers(2) as pool:
            have = 0
            for size in sizes:
                batch = seeded.watchers[have:size]
                # Worker i holds node i's share when there are two nodes.
                per_worker = [
                    target.urls(part, node=i % nodes) for i, part in enumerate(halves(batch))
                ]
                await pool.connect(per_worker)
                await pool.subscribe(seeded.room)
                print(f"{target.name}: {size} subscribed, load {load_average()}", flush=True)
                have = size
                for deliveries in FANOUT_STEPS:
                    if not senders.can_send(deliveries / size):
                        break
                    row, ok = await step(
                        target, pool, senders, seeded.room, size, deliveries / size, step_seconds
                    )
                    rows.append(row)
                    print(row, flush=True)
                    if not ok:
                        await asyncio.sleep(5)  # let the backlog of a failed step drain
                        break
    finally:
        await senders.close()
    return rows


async def end_to_end(target: Target, seeded: Seeded, seconds: float) -> list[str]:
    """A 50-member room at 200 messages/s; with two nodes, receivers on each node apart."""
    senders = await Senders.open(target.urls(seeded.senders))
    nodes = len(target.ws_urls)
    rows: list[str] = []
    try:
        async with receivers(nodes) as pool:
            shares = halves(seeded.members, nodes)
            await pool.connect([target.urls(part, node=i) for i, part in enumerate(shares)])
            await pool.subscribe(seeded.room)
            await pool.all(reset=True)
            sent = await senders.pace(seeded.room, E2E_RATE, seconds)
            await asyncio.sleep(1.5)
            reports = await pool.all(report=True)
            for node, (share, report) in enumerate(zip(shares, reports, strict=True)):
                tally = Tally.of([report])
                where = "" if nodes == 1 else (" (sender's node)" if node == 0 else " (other node)")
                rows.append(
                    f"| {target.name}{where} | {len(share)} | {E2E_RATE} | "
                    f"{tally.percentile_ms(0.5):.1f} | {tally.percentile_ms(0.99):.1f} | "
                    f"{max(0, sent * len(share) - tally.received):,} |"
                )
                print(rows[-1], flush=True)
    finally:
        await senders.close()
    return rows


@dataclass
class Results:
    idle: list[str] = field(default_factory=list)
    fanout: list[str] = field(default_factory=list)
    e2e: list[str] = field(default_factory=list)

    def print(self) -> None:
        print(f"\nload average at end: {load_average()}\n")
        print(
            "| server | connections | RSS before MiB | RSS after MiB | KiB/connection | opened/s |"
        )
        print("|---|---|---|---|---|---|")
        print("\n".join(self.idle))
        print(
            "\n| server | subscribers | messages/s | deliveries/s | p50 ms | p99 ms | late "
            "| send errors | deliveries per server CPU-s | p99 < 100 ms, no loss | load |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(self.fanout))
        print("\n| server | receivers | messages/s | p50 ms | p99 ms | late |")
        print("|---|---|---|---|---|---|")
        print("\n".join(self.e2e))


async def measure(
    target: Target, seeded: Seeded, args: argparse.Namespace, results: Results
) -> None:
    """The selected phases against one target (idle only on a single node)."""
    phases = set(args.phases.split(","))
    if "idle" in phases and len(target.ws_urls) == 1:
        results.idle.append(await idle(target, seeded.watchers[: args.idle]))
        print(results.idle[-1], flush=True)
        await asyncio.sleep(2)  # let the server forget the closed connections
    if "fanout" in phases:
        sizes = tuple(int(s) for s in args.sizes.split(","))
        results.fanout += await fanout(target, seeded, sizes, args.step_seconds)
    if "e2e" in phases:
        results.e2e += await end_to_end(target, seeded, args.e2e_seconds)


def ws_url(server: Server) -> str:
    return server.url.replace("http", "ws", 1) + "/ws"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle", type=int, default=10_000, help="idle connections to open")
    parser.add_argument("--sizes", default="1000,5000", help="fan-out room sizes")
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--e2e-seconds", type=float, default=10.0)
    parser.add_argument("--phases", default="idle,fanout,e2e")
    parser.add_argument("--servers", default="reference,veza,two-nodes")
    args = parser.parse_args()
    servers = set(args.servers.split(","))
    raise_open_files_limit()
    print(f"chat bench {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}")
    print(f"load average at start: {load_average()}", flush=True)
    watchers = max(args.idle, *(int(s) for s in args.sizes.split(",")))
    results = Results()
    if "reference" in servers:
        with reference_server() as reference:
            anyone = Seeded(str(uuid.uuid4()), ["-"] * SENDERS, ["-"] * MEMBERS, ["-"] * watchers)
            await measure(reference, anyone, args, results)
    with (
        tempfile.TemporaryDirectory(prefix="veza-chatbench-") as tmp,
        postgres_database(POSTGRES) as database_url,
    ):
        secret, prefix = secrets.token_urlsafe(48), f"veza-bench-{uuid.uuid4().hex[:8]}:"
        env = veza_env(database_url, secret, prefix)
        try:
            with veza_server("chat", **env) as server:
                seeded = await seed(
                    database_url,
                    secret,
                    Path(tmp),
                    senders=SENDERS,
                    members=MEMBERS,
                    watchers=watchers,
                    token_ttl_seconds=3600,
                )
                if "veza" in servers:
                    await measure(
                        Target("veza", [ws_url(server)], [server.pid]), seeded, args, results
                    )
            if "two-nodes" in servers:
                with veza_server("chat", **env) as a, veza_server("chat", **env) as b:
                    pair = Target("veza 2 nodes", [ws_url(a), ws_url(b)], [a.pid, b.pid])
                    await measure(pair, seeded, args, results)
        finally:
            await forget_redis_prefix(prefix)
    results.print()


async def forget_redis_prefix(prefix: str) -> None:
    """Delete what the servers left under the run's Redis prefix (presence, slots, limits)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


if __name__ == "__main__":
    uvloop.run(main())
