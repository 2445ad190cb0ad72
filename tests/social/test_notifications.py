"""Notifications over REST: stored by the hooks, listed, marked read, per-kind preferences."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok

from conftest import Account, assert_error
from veza.core.media.processing import mark_failed, set_state
from veza.core.models import TrackStatus
from veza.core.services import notifications

N = "/api/v1/notifications"


async def listed(client: httpx.AsyncClient, who: Account, query: str = "") -> dict[str, Any]:
    page: dict[str, Any] = await ok(await client.get(f"{N}{query}", headers=who.auth))
    return page


async def test_follow_and_like_notify_the_other_user_only(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet, title="Elsinore")
    await ok(await client.put("/api/v1/users/hamlet/follow", headers=othello.auth), 204)
    await ok(await client.put(f"/api/v1/tracks/{track}/like", headers=othello.auth))
    await ok(await client.put(f"/api/v1/tracks/{track}/like", headers=othello.auth))  # no repeat
    await ok(await client.put(f"/api/v1/tracks/{track}/like", headers=hamlet.auth))  # own: none
    page = await listed(client, hamlet)
    assert [n["kind"] for n in page["items"]] == ["like", "follow"]
    like = page["items"][0]
    assert like["data"]["track_id"] == track
    assert like["data"]["title"] == "Elsinore"
    assert like["data"]["actor"] == {"id": othello.id, "username": "othello"}
    assert (like["actor_id"], like["read"], page["unread"]) == (othello.id, False, 2)
    assert (await listed(client, othello))["items"] == []


async def test_mark_read(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    for who in (othello, iago):
        await ok(await client.put("/api/v1/users/hamlet/follow", headers=who.auth), 204)
    await ok(await client.put("/api/v1/users/othello/follow", headers=iago.auth), 204)
    first = (await listed(client, hamlet))["items"][0]["id"]
    theirs = (await listed(client, othello))["items"][0]["id"]
    marked = await ok(
        await client.post(f"{N}/read", json={"ids": [first, theirs]}, headers=hamlet.auth)
    )
    assert marked == {"marked": 1}  # othello's notification is not hamlet's to mark
    page = await listed(client, hamlet, "?unread=true")
    assert (len(page["items"]), page["unread"]) == (1, 1)
    assert (await listed(client, othello))["unread"] == 1
    assert await ok(await client.post(f"{N}/read", json={}, headers=hamlet.auth)) == {"marked": 1}
    assert (await listed(client, hamlet))["unread"] == 0
    too_many = {"ids": [str(uuid.uuid4()) for _ in range(101)]}
    assert_error(
        await client.post(f"{N}/read", json=too_many, headers=hamlet.auth), 422, "batch_too_large"
    )
    assert_error(await client.post(f"{N}/read", json={"ids": ["x"]}, headers=hamlet.auth), 422)
    assert_error(await client.get(N), 401)
    assert_error(await client.get(f"{N}?cursor=%%%", headers=hamlet.auth), 400, "invalid_cursor")


async def test_preferences_turn_kinds_off(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    prefs = await ok(await client.get(f"{N}/preferences", headers=hamlet.auth))
    assert set(prefs) == set(notifications.KINDS)
    assert all(prefs.values())
    changed = await ok(
        await client.patch(f"{N}/preferences", json={"follow": False}, headers=hamlet.auth)
    )
    assert changed["follow"] is False
    assert changed["like"] is True
    await ok(await client.put("/api/v1/users/hamlet/follow", headers=othello.auth), 204)
    track = await make_track(app, hamlet)
    await ok(await client.put(f"/api/v1/tracks/{track}/like", headers=othello.auth))
    assert [n["kind"] for n in (await listed(client, hamlet))["items"]] == ["like"]
    error = assert_error(
        await client.patch(f"{N}/preferences", json={"nonsense": False}, headers=hamlet.auth),
        422,
        "unknown_kind",
    )
    assert error["details"]["unknown"] == ["nonsense"]
    assert_error(
        await client.patch(f"{N}/preferences", json={"like": "maybe"}, headers=hamlet.auth), 422
    )


async def test_track_ready_and_failed_hooks(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    """The pipeline's own state changes (processing.set_state, mark_failed) notify the owner."""
    track_id = uuid.UUID(await make_track(app, hamlet, title="Take 1"))
    backends = app.state.backends
    await set_state(backends, track_id, TrackStatus.processing, 50)
    await set_state(backends, track_id, TrackStatus.ready, 100)
    await mark_failed(backends, track_id, "the file is corrupt")
    items = (await listed(client, hamlet))["items"]
    assert [n["kind"] for n in items] == ["track_failed", "track_ready"]
    assert items[0]["data"] == {
        "track_id": str(track_id),
        "title": "Take 1",
        "reason": "the file is corrupt",
    }
