"""Helpers for chat tests: a request/answer WebSocket client and room set-up over REST."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from conftest import Account

# Long enough for a loaded CI machine; a test that waits this long has failed anyway.
WAIT_SECONDS = 15


@dataclass
class ChatClient:
    """A WebSocket client that matches answers to requests and keeps other frames as events."""

    ws: ClientConnection
    events: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    async def recv(self) -> dict[str, Any]:
        async with asyncio.timeout(WAIT_SECONDS):
            frame: dict[str, Any] = json.loads(await self.ws.recv())
        return frame

    async def send_json(self, frame: dict[str, Any]) -> str:
        self.counter += 1
        request_id = frame.setdefault("id", f"r{self.counter}")
        await self.ws.send(json.dumps(frame, ensure_ascii=False))
        return str(request_id)

    async def answer(self, request_id: str | None) -> dict[str, Any]:
        """The ack or error for a request; events read meanwhile are kept."""
        while True:
            frame = await self.recv()
            if frame["type"] in ("ack", "error") and frame.get("id") == request_id:
                return frame
            self.events.append(frame)

    async def request(self, kind: str, **fields: Any) -> dict[str, Any]:
        return await self.answer(await self.send_json({"type": kind, **fields}))

    async def ok(self, kind: str, **fields: Any) -> Any:
        frame = await self.request(kind, **fields)
        assert frame["type"] == "ack", frame
        return frame["data"]

    async def error(self, kind: str, **fields: Any) -> str:
        frame = await self.request(kind, **fields)
        assert frame["type"] == "error", frame
        assert set(frame) >= {"id", "code", "message"}
        return str(frame["code"])

    async def event(self, kind: str, **match: Any) -> dict[str, Any]:
        """The first event of this type whose data has these values (kept or still to come)."""

        def fits(frame: dict[str, Any]) -> bool:
            data = frame.get("data") or {}
            return frame["type"] == kind and all(data.get(k) == v for k, v in match.items())

        for frame in self.events:
            if fits(frame):
                self.events.remove(frame)
                return frame
        while True:
            frame = await self.recv()
            if fits(frame):
                return frame
            self.events.append(frame)

    async def closed(self) -> tuple[int | None, str, list[dict[str, Any]]]:
        """Read until the server closes: its close code and reason, and the frames before."""
        frames: list[dict[str, Any]] = []
        try:
            while True:
                frames.append(await self.recv())
        except ConnectionClosed as exc:
            return (
                (exc.rcvd.code if exc.rcvd else None),
                (exc.rcvd.reason if exc.rcvd else ""),
                frames,
            )

    async def close(self) -> None:
        await self.ws.close()


async def open_socket(ws_url: str, token: str | None = None) -> ChatClient:
    """A connection authenticated by `?token=` (waits for the `ready` frame)."""
    url = ws_url + (f"?token={token}" if token else "")
    client = ChatClient(await connect(url, max_size=2**20, open_timeout=WAIT_SECONDS))
    if token:
        ready = await client.recv()
        assert ready["type"] == "ready", ready
    return client


async def make_room(
    http: httpx.AsyncClient, owner: Account, *members: Account, visibility: str = "public"
) -> str:
    """A room owned by `owner` that `members` have joined (public rooms only)."""
    response = await http.post(
        "/api/v1/rooms", json={"name": "lounge", "visibility": visibility}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    room_id: str = response.json()["id"]
    for member in members:
        joined = await http.post(f"/api/v1/rooms/{room_id}/join", headers=member.auth)
        assert joined.status_code == 200, joined.text
    return room_id


def metric_value(text: str, name: str) -> float:
    """A sample's value from Prometheus text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
