"""Tracks made straight in the database (ready, with known metadata) and plays over HTTP.

Processing real audio is the stream tests' job; discovery needs many tracks with chosen
titles, genres and durations. They are added through the ORM, as the pipeline does, so the
search index sees them exactly as it sees processed uploads.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from conftest import Account
from veza.core.models import Track, TrackStatus, Visibility


async def make_track(
    app: FastAPI,
    owner: Account,
    title: str,
    *,
    duration: float = 180.0,
    visibility: str = "public",
    status: TrackStatus = TrackStatus.ready,
    **metadata: Any,
) -> str:
    track_id = uuid.uuid4()
    async with app.state.backends.db.session() as db:
        db.add(
            Track(
                id=track_id,
                owner_id=uuid.UUID(owner.id),
                title=title,
                visibility=Visibility(visibility),
                status=status,
                progress=100 if status == TrackStatus.ready else 0,
                original_filename=f"{title}.flac",
                source_format="flac",
                source_codec="flac",
                sha256=uuid.uuid4().hex * 2,
                size_bytes=1000,
                duration=duration,
                sample_rate=44100,
                channels=2,
                renditions={},
                **metadata,
            )
        )
        await db.commit()
    return str(track_id)


async def play(
    client: httpx.AsyncClient,
    account: Account,
    track_id: str,
    listened: float = 60.0,
    *,
    position: float | None = None,
    completed: bool = False,
) -> httpx.Response:
    body = {
        "position": listened if position is None else position,
        "listened_seconds": listened,
        "completed": completed,
    }
    return await client.post(f"/api/v1/tracks/{track_id}/plays", json=body, headers=account.auth)


async def track_json(client: httpx.AsyncClient, account: Account, track_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/tracks/{track_id}", headers=account.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found
