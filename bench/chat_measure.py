"""Chat measurements: receiver processes, paced senders, and what a step of load produced."""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.chat_client import BUCKETS_PER_MS, Client, Stats, connect_all

# A sender connection stays under the server's per-connection frame rate (20/s, bursts of 60).
SENDS_PER_CONNECTION_PER_SECOND = 15


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ)


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Worker:
    """One `bench.chat_worker` process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.chat_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,  # a report's latency histogram is one long line
        )
        return cls(process)

    async def command(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load worker exited ({await self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                await asyncio.wait_for(self.command(close=True), 30)
            except (TimeoutError, RuntimeError):
                self.process.kill()
            await self.process.wait()


class Receivers:
    """Connections spread over worker processes; each worker is given its own list of URLs."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers

    async def each(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pairs = zip(self.workers, commands, strict=True)
        return list(await asyncio.gather(*(w.command(**c) for w, c in pairs)))

    async def all(self, **command: Any) -> list[dict[str, Any]]:
        return await self.each([command] * len(self.workers))

    async def connect(self, urls_per_worker: list[list[str]]) -> float:
        """Open the connections; returns the seconds it took."""
        answers = await self.each([{"connect": urls} for urls in urls_per_worker])
        return max(float(a["seconds"]) for a in answers)

    async def subscribe(self, room: str) -> None:
        for answer in await self.all(subscribe=room):
            if answer["failed"]:
                raise RuntimeError(f"subscribe refused: {answer['failed']}")

    async def stop(self) -> None:
        await asyncio.gather(*(w.stop() for w in self.workers))


@dataclass
class Tally:
    """What some receivers saw during a step."""

    received: int
    histogram: Counter[int]
    closes: Counter[str]

    @classmethod
    def of(cls, reports: list[dict[str, Any]]) -> Tally:
        histogram: Counter[int] = Counter()
        closes: Counter[str] = Counter()
        for report in reports:
            histogram.update({int(k): v for k, v in report["histogram"].items()})
            closes.update(report["closes"])
        return cls(sum(r["received"] for r in reports), histogram, closes)

    def percentile_ms(self, fraction: float) -> float:
        if not self.received:
            return math.nan
        rank, seen = math.ceil(fraction * self.received), 0
        for bucket in sorted(self.histogram):
            seen += self.histogram[bucket]
            if seen >= rank:
                return (bucket + 1) / BUCKETS_PER_MS
        return math.inf


class Senders:
    """Connections that post `bench <unix time> <n>` messages at a steady rate, open loop."""

    def __init__(self, clients: list[Client], stats: Stats) -> None:
        self.clients = clients
        self.stats = stats
        self.sent = 0
        self.run = uuid.uuid4().hex[:8]  # nonces are unique per user and room, across runs

    @classmethod
    async def open(cls, urls: list[str]) -> Senders:
        stats = Stats()
        return cls(await connect_all(urls, stats), stats)

    def can_send(self, rate: float) -> bool:
        return math.ceil(rate / SENDS_PER_CONNECTION_PER_SECOND) <= len(self.clients)

    async def pace(self, room: str, rate: float, seconds: float) -> int:
        """Send `rate` messages/s for `seconds`; returns how many were sent."""
        needed = math.ceil(rate / SENDS_PER_CONNECTION_PER_SECOND)
        if needed > len(self.clients):
            raise RuntimeError(f"{rate}/s needs {needed} sender connections")
        clients = self.clients[:needed]
        began = time.monotonic()
        count = math.floor(rate * seconds)
        for n in range(count):
            delay = began + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.sent += 1
            frame = {
                "type": "send",
                "id": f"s{self.sent}",
                "room": room,
                "body": f"bench {time.time():.6f} {self.sent}",
                "nonce": f"{self.run}-{self.sent}",
            }
            clients[n % needed].send(frame)
        return count

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients))
