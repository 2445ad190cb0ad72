"""A load-client process: holds many chat connections and answers its driver on stdin/stdout.

The driver (`bench.chat_load`) sends one JSON line per command and reads one JSON line back:
`{"connect": [url, ...]}`, `{"subscribe": room_id}`, `{"reset": true}`, `{"report": true}`,
`{"close": true}` (which also ends the process).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import uvloop

from bench.chat_client import Client, Stats, connect_all, summary


def raise_open_files_limit() -> None:
    """As many sockets as the hard limit allows (10,000 connections need more than 1,024)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def subscribe(clients: list[Client], room: str, *, at_once: int = 50) -> dict[str, Any]:
    gate = asyncio.Semaphore(at_once)
    failed: list[str] = []

    async def one(client: Client) -> None:
        async with gate:
            answer = await client.request({"type": "subscribe", "id": "sub", "room": room})
            if not answer.startswith('{"type":"ack"'):
                failed.append(answer[:200])

    began = time.monotonic()
    await asyncio.gather(*(one(c) for c in clients))
    return {
        "subscribed": len(clients) - len(failed),
        "failed": failed[:3],
        "seconds": time.monotonic() - began,
    }


async def main() -> None:
    raise_open_files_limit()
    stats = Stats()
    clients: list[Client] = []
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            command: dict[str, Any] = {"close": True}
        else:
            command = json.loads(line)
        answer: dict[str, Any] = {}
        if "connect" in command:
            began = time.monotonic()
            clients += await connect_all(command["connect"], stats)
            answer = {"connected": len(clients), "seconds": time.monotonic() - began}
        elif "subscribe" in command:
            answer = await subscribe(clients, command["subscribe"])
        elif "reset" in command:
            stats.reset()
        elif "report" in command:
            answer = summary(stats)
        elif "close" in command:
            await asyncio.gather(*(c.close() for c in clients))
            answer = {"closed": len(clients)}
        print(json.dumps(answer), flush=True)
        if "close" in command:
            return


if __name__ == "__main__":
    uvloop.run(main())
