"""Helpers for social tests: tracks stored straight in the database (no transcoding needed).

The playlist, like, comment and feed rules read only a track's row, so a row with the state
processing would leave is a real track for them; tests/stream covers how rows get there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from conftest import Account
from veza.core.models import Track, TrackStatus, Visibility


async def make_track(
    app: FastAPI,
    owner: Account,
    *,
    title: str = "Song",
    visibility: str = "public",
    duration: float = 180.0,
    has_cover: bool = False,
    age_seconds: float = 0.0,
) -> str:
    """A ready track of `owner`'s; returns its id."""
    track_id = uuid.uuid4()
    created = datetime.now(UTC) - timedelta(seconds=age_seconds)
    async with app.state.backends.db.session() as db:
        db.add(
            Track(
                id=track_id,
                owner_id=uuid.UUID(owner.id),
                title=title,
                visibility=Visibility(visibility),
                status=TrackStatus.ready,
                progress=100,
                original_filename=f"{title}.flac",
                source_format="flac",
                source_codec="flac",
                sha256=track_id.hex * 2,
                size_bytes=1000,
                duration=duration,
                sample_rate=44100,
                channels=2,
                has_cover=has_cover,
                renditions={},
                created_at=created,
                ready_at=created,
            )
        )
        await db.commit()
    return str(track_id)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def set_role(app: FastAPI, username: str, role: str) -> None:
    """Change a global role in the database, as `veza user set-role` does."""
    async with app.state.backends.db.session() as db:
        await db.execute(
            text("UPDATE users SET role = :r WHERE username = :u"), {"r": role, "u": username}
        )
        await db.commit()
