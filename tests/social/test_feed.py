"""The feed: followed users' new public tracks and playlists, newest first, paginated."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok
from test_playlists import new_playlist

from conftest import Account, assert_error, register


async def feed_ids(client: httpx.AsyncClient, who: Account, limit: int = 100) -> list[str]:
    """Every item's id, walking the pages `limit` at a time."""
    ids: list[str] = []
    cursor = ""
    while True:
        page = await ok(await client.get(f"/api/v1/feed?limit={limit}{cursor}", headers=who.auth))
        ids += [(item["track"] or item["playlist"])["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids
        cursor = f"&cursor={page['next_cursor']}"


async def test_feed_mixes_tracks_and_playlists_newest_first(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    cassio = await register(client, "cassio")
    for who in ("othello", "iago"):
        await ok(await client.put(f"/api/v1/users/{who}/follow", headers=hamlet.auth), 204)
    old = await make_track(app, othello, age_seconds=100)
    await make_track(app, othello, visibility="private", age_seconds=90)
    await make_track(app, othello, visibility="unlisted", age_seconds=80)
    middle = await make_track(app, iago, age_seconds=50)
    await make_track(app, cassio, age_seconds=5)  # not followed
    playlist = await new_playlist(client, othello)
    await new_playlist(client, othello, visibility="private")
    await new_playlist(client, othello, visibility="unlisted")
    expected = [playlist, middle, old]
    assert await feed_ids(client, hamlet) == expected
    assert await feed_ids(client, hamlet, limit=1) == expected
    assert await feed_ids(client, hamlet, limit=2) == expected
    page = await ok(await client.get("/api/v1/feed", headers=hamlet.auth))
    assert [item["kind"] for item in page["items"]] == ["playlist", "track", "track"]
    assert page["items"][0]["playlist"]["title"] == "Mix"
    await ok(await client.delete("/api/v1/users/othello/follow", headers=hamlet.auth), 204)
    assert await feed_ids(client, hamlet) == [middle]
    assert await feed_ids(client, othello) == []


async def test_feed_bad_input(client: httpx.AsyncClient, hamlet: Account) -> None:
    assert_error(await client.get("/api/v1/feed"), 401)
    assert_error(
        await client.get("/api/v1/feed?cursor=bm9wZQ", headers=hamlet.auth), 400, "invalid_cursor"
    )
    assert_error(await client.get("/api/v1/feed?limit=0", headers=hamlet.auth), 422)
    assert_error(await client.get("/api/v1/feed?limit=101", headers=hamlet.auth), 422)
