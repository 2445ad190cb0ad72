"""Share links: secret, hashed, optional expiry, revocable, opened without an account."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok
from sqlalchemy import select, update
from test_playlists import add, new_playlist

from conftest import Account, assert_error
from veza.core.models import ShareLink


async def share(client: httpx.AsyncClient, who: Account, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/shares", json=body, headers=who.auth)


async def test_private_track_opens_by_link_without_account_until_revoked(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet, visibility="private", title="Demo")
    created = await ok(await share(client, hamlet, track_id=track), 201)
    assert (created["kind"], created["target_id"], created["expires_at"]) == ("track", track, None)
    opened = await ok(await client.get(created["path"]))
    assert opened["track"]["title"] == "Demo"
    assert opened["playback"]["hls"].startswith("/stream/")
    async with app.state.backends.db.session() as db:
        stored = (await db.scalars(select(ShareLink.token_hash))).all()
    assert stored == [hashlib.sha256(created["token"].encode()).hexdigest()]
    listed = await ok(await client.get("/api/v1/shares", headers=hamlet.auth))
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    assert "token" not in listed["items"][0]
    assert (await ok(await client.get("/api/v1/shares", headers=othello.auth)))["items"] == []
    # Others cannot revoke it (it does not exist for them), nor share a track they do not own.
    assert_error(
        await client.delete(f"/api/v1/shares/{created['id']}", headers=othello.auth),
        404,
        "share_not_found",
    )
    assert_error(await share(client, othello, track_id=track), 404, "track_not_found")
    public = await make_track(app, hamlet)
    assert_error(await share(client, othello, track_id=public), 403, "not_track_owner")
    await ok(await client.delete(f"/api/v1/shares/{created['id']}", headers=hamlet.auth), 204)
    await ok(await client.delete(f"/api/v1/shares/{created['id']}", headers=hamlet.auth), 204)
    assert_error(await client.get(created["path"]), 404, "share_not_found")
    # The track itself is still private.
    assert_error(await client.get(f"/api/v1/tracks/{track}"), 404)


async def test_expired_and_unknown_links_are_404(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    track = await make_track(app, hamlet, visibility="unlisted")
    created = await ok(await share(client, hamlet, track_id=track, expires_in_seconds=3600), 201)
    expires = datetime.fromisoformat(created["expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    await ok(await client.get(created["path"]))
    async with app.state.backends.db.session() as db:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await db.execute(update(ShareLink).values(expires_at=past))
        await db.commit()
    assert_error(await client.get(created["path"]), 404, "share_not_found")
    assert_error(await client.get("/api/v1/shared/" + "A" * 43), 404, "share_not_found")
    assert_error(await client.get("/api/v1/shared/short"), 422)
    assert_error(await client.get("/api/v1/shared/" + "%20" * 20), 422)


async def test_bad_share_requests(app: FastAPI, client: httpx.AsyncClient, hamlet: Account) -> None:
    track = await make_track(app, hamlet)
    pid = await new_playlist(client, hamlet)
    assert_error(await share(client, hamlet), 422, "one_target")
    assert_error(await share(client, hamlet, track_id=track, playlist_id=pid), 422, "one_target")
    for seconds in (0, 59, 366 * 86400):
        assert_error(
            await share(client, hamlet, track_id=track, expires_in_seconds=seconds),
            422,
            "invalid_expiry",
        )
    assert_error(await share(client, hamlet, track_id=str(uuid.uuid4())), 404)
    assert_error(await client.post("/api/v1/shares", json={"track_id": track}), 401)
    assert_error(await client.delete(f"/api/v1/shares/{uuid.uuid4()}", headers=hamlet.auth), 404)


async def test_private_playlist_by_link_shows_what_its_owner_sees(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    pid = await new_playlist(client, hamlet, visibility="private", title="Unreleased")
    mine = await make_track(app, hamlet, visibility="private", duration=20.0)
    await ok(await add(client, hamlet, pid, mine), 201)
    assert_error(await share(client, othello, playlist_id=pid), 404, "playlist_not_found")
    created = await ok(await share(client, hamlet, playlist_id=pid), 201)
    opened = await ok(await client.get(created["path"]))
    assert (opened["kind"], opened["playlist"]["title"]) == ("playlist", "Unreleased")
    assert opened["playlist"]["track_count"] == 1
    items = await ok(await client.get(created["path"] + "/items"))
    assert [i["track"]["id"] for i in items["items"]] == [mine]
    track_link = await ok(await share(client, hamlet, track_id=mine), 201)
    assert_error(await client.get(track_link["path"] + "/items"), 404, "not_a_playlist")
    # Deleting the playlist removes its links.
    await ok(await client.delete(f"/api/v1/playlists/{pid}", headers=hamlet.auth), 204)
    assert_error(await client.get(created["path"]), 404, "share_not_found")
