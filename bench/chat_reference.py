"""The raw-library reference: one room, each message serialized once and broadcast to all.

It speaks just enough of Veza's chat frames (`ready`, `subscribe`, `send`, `ack`,
`message.created`) for `bench.chat_load` to drive it exactly as it drives `veza serve chat`.
No authentication, no storage, no moderation: the ceiling of fan-out on `websockets` itself.

    python -m bench.chat_reference --port 8765
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.chat_worker import raise_open_files_limit


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


class Room:
    def __init__(self) -> None:
        self.watchers: set[ServerConnection] = set()
        self.seq = 0

    def message(self, room: str, body: str, nonce: str) -> dict[str, Any]:
        self.seq += 1
        return {
            "id": str(uuid.uuid4()),
            "room": room,
            "seq": self.seq,
            "body": body,
            "nonce": nonce,
            "created_at": time.time(),
        }


ROOM = Room()


async def handler(ws: ServerConnection) -> None:
    await ws.send(dumps({"type": "ready", "data": {"connection_id": str(uuid.uuid4())}}))
    try:
        async for text in ws:
            frame = json.loads(text)
            kind, request_id = frame.get("type"), frame.get("id")
            if kind == "subscribe":
                ROOM.watchers.add(ws)
                await ws.send(dumps({"type": "ack", "id": request_id, "data": {}}))
            elif kind == "send":
                data = ROOM.message(frame["room"], frame["body"], frame["nonce"])
                event = {"type": "message.created", "data": data, "room": frame["room"]}
                broadcast(ROOM.watchers, dumps(event))
                await ws.send(dumps({"type": "ack", "id": request_id, "data": {"message": data}}))
            else:
                await ws.send(dumps({"type": "ack", "id": request_id, "data": {}}))
    finally:
        ROOM.watchers.discard(ws)


async def main(port: int) -> None:
    raise_open_files_limit()
    # As uvicorn: a 2,048-connection backlog and no handshake timeout under load.
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_queue=None,
        open_timeout=None,
        backlog=2048,
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    uvloop.run(main(parser.parse_args().port))
