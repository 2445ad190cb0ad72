"""Likes (tracks, playlists), follows, counts and lists; private things stay 404."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok
from test_playlists import new_playlist

from conftest import Account, assert_error

U = "/api/v1/users"


async def test_like_track_counts_and_liked_tracks_playlist(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    a = await make_track(app, hamlet, duration=30.0, has_cover=True)
    b = await make_track(app, hamlet, duration=12.0)
    like = f"/api/v1/tracks/{a}/like"
    stats = await ok(await client.put(like, headers=othello.auth))
    assert stats == {"likes": 1, "comments": 0, "liked": True}
    assert (await ok(await client.put(like, headers=othello.auth)))["likes"] == 1  # idempotent
    await ok(await client.put(like, headers=iago.auth))
    await ok(await client.put(f"/api/v1/tracks/{b}/like", headers=othello.auth))
    assert await ok(await client.get(f"/api/v1/tracks/{a}/social")) == {
        "likes": 2,
        "comments": 0,
        "liked": False,
    }
    liked = await ok(await client.get(f"{U}/othello/likes/tracks"))
    assert [item["track"]["id"] for item in liked["items"]] == [b, a]  # newest like first
    builtin = await ok(await client.get(f"{U}/othello/liked"))
    assert (builtin["kind"], builtin["id"], builtin["title"]) == ("liked", None, "Liked tracks")
    assert (builtin["track_count"], builtin["duration"], len(builtin["cover"])) == (2, 42.0, 1)
    gone = await ok(await client.delete(like, headers=othello.auth))
    assert gone == {"likes": 1, "comments": 0, "liked": False}
    await ok(await client.delete(like, headers=othello.auth))  # unliking twice is fine
    assert (await ok(await client.get(f"{U}/othello/social")))["liked_tracks"] == 1
    assert_error(await client.put(like), 401)
    missing = f"/api/v1/tracks/{uuid.uuid4()}/like"
    assert_error(await client.put(missing, headers=othello.auth), 404, "track_not_found")


async def test_private_tracks_cannot_be_liked_and_leave_like_lists(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    secret = await make_track(app, hamlet, visibility="private")
    path = f"/api/v1/tracks/{secret}"
    assert_error(await client.put(f"{path}/like", headers=othello.auth), 404, "track_not_found")
    assert_error(await client.get(f"{path}/social", headers=othello.auth), 404)
    shared = await make_track(app, hamlet, visibility="unlisted")
    await ok(await client.put(f"/api/v1/tracks/{shared}/like", headers=othello.auth))
    public = await make_track(app, hamlet)
    await ok(await client.put(f"/api/v1/tracks/{public}/like", headers=othello.auth))
    # Like lists are lists: an unlisted track never shows there, not even to the one who liked it.
    for who in ({}, othello.auth):
        listed = await ok(await client.get(f"{U}/othello/likes/tracks", headers=who))
        assert [item["track"]["id"] for item in listed["items"]] == [public]
    await ok(
        await client.patch(
            f"/api/v1/tracks/{public}", json={"visibility": "private"}, headers=hamlet.auth
        )
    )
    listed = await ok(await client.get(f"{U}/othello/likes/tracks", headers=othello.auth))
    assert listed["items"] == []
    assert (await ok(await client.get(f"{U}/othello/liked", headers=othello.auth)))[
        "track_count"
    ] == 0
    own = await ok(await client.get(f"/api/v1/tracks/{public}/social", headers=hamlet.auth))
    assert own["likes"] == 1


async def test_like_playlists(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    pid = await new_playlist(client, hamlet)
    liked = await ok(await client.put(f"/api/v1/playlists/{pid}/like", headers=othello.auth))
    assert (liked["likes"], liked["liked"]) == (1, True)
    page = await ok(await client.get(f"{U}/othello/likes/playlists"))
    assert [p["id"] for p in page["items"]] == [pid]
    await ok(
        await client.patch(
            f"/api/v1/playlists/{pid}", json={"visibility": "private"}, headers=hamlet.auth
        )
    )
    assert (await ok(await client.get(f"{U}/othello/likes/playlists")))["items"] == []
    path = f"/api/v1/playlists/{pid}/like"
    assert_error(await client.put(path, headers=othello.auth), 404, "playlist_not_found")
    assert_error(await client.delete(path, headers=othello.auth), 404, "playlist_not_found")
    mine = await ok(await client.get(f"/api/v1/playlists/{pid}", headers=hamlet.auth))
    assert mine["likes"] == 1
    unliked = await ok(await client.delete(path, headers=hamlet.auth))
    assert unliked["likes"] == 1  # hamlet never liked it; othello's like stays


async def test_follow_counts_and_lists(
    client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    await ok(await client.put(f"{U}/hamlet/follow", headers=othello.auth), 204)
    await ok(await client.put(f"{U}/hamlet/follow", headers=othello.auth), 204)
    await ok(await client.put(f"{U}/HAMLET/follow", headers=iago.auth), 204)
    await ok(await client.put(f"{U}/iago/follow", headers=othello.auth), 204)
    stats = await ok(await client.get(f"{U}/hamlet/social", headers=othello.auth))
    assert stats == {
        "followers": 2,
        "following": 0,
        "liked_tracks": 0,
        "playlists": 0,
        "followed": True,
    }
    followers = await ok(await client.get(f"{U}/hamlet/followers"))
    assert [f["user"]["username"] for f in followers["items"]] == ["iago", "othello"]
    first = await ok(await client.get(f"{U}/othello/following?limit=1"))
    rest = await ok(
        await client.get(f"{U}/othello/following?limit=1&cursor={first['next_cursor']}")
    )
    assert [f["user"]["username"] for f in first["items"] + rest["items"]] == ["iago", "hamlet"]
    await ok(await client.delete(f"{U}/hamlet/follow", headers=othello.auth), 204)
    assert (await ok(await client.get(f"{U}/hamlet/social")))["followers"] == 1
    assert_error(
        await client.put(f"{U}/hamlet/follow", headers=hamlet.auth), 422, "cannot_follow_self"
    )
    assert_error(await client.put(f"{U}/nobody/follow", headers=hamlet.auth), 404, "user_not_found")
    assert_error(await client.put(f"{U}/hamlet/follow"), 401)
    assert_error(await client.get(f"{U}/hamlet/followers?cursor=zzz"), 400, "invalid_cursor")
    assert_error(await client.get(f"{U}/hamlet/followers?limit=1000"), 422)


async def test_profile_playlist_count_hides_private_ones(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    await new_playlist(client, hamlet)
    await new_playlist(client, hamlet, visibility="private")
    await new_playlist(client, hamlet, visibility="unlisted")
    assert (await ok(await client.get(f"{U}/hamlet/social", headers=othello.auth)))[
        "playlists"
    ] == 1
    assert (await ok(await client.get(f"{U}/hamlet/social", headers=hamlet.auth)))["playlists"] == 3
