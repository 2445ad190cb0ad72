"""The tracks REST API: visibility rules, listing, editing, deletion, reprocessing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from stream_helpers import Sample, sample, stored_files, upload, upload_ready, wait_processed

from conftest import Account, AppFactory, assert_error, client_for, register
from veza.core.models import MediaJob, Track

__all__ = ["sample"]


async def as_private(client: httpx.AsyncClient, owner: Account, track: dict[str, Any]) -> None:
    response = await client.patch(
        f"/api/v1/tracks/{track['id']}", json={"visibility": "private"}, headers=owner.auth
    )
    assert response.status_code == 200


async def listed_ids(client: httpx.AsyncClient, query: str = "", **headers: str) -> list[str]:
    response = await client.get(f"/api/v1/tracks{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_private_track_exists_only_for_its_owner_and_admins(
    client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("flac"), visibility="private")
    assert track["visibility"] == "private"
    path = f"/api/v1/tracks/{track['id']}"
    for who in (othello.auth, {}):
        assert_error(await client.get(path, headers=who), 404, "track_not_found")
        assert_error(await client.get(f"{path}/stream", headers=who), 404)
        assert track["id"] not in await listed_ids(client, **who)
        assert track["id"] not in await listed_ids(client, f"?owner={hamlet.id}", **who)
    assert_error(await client.patch(path, json={"title": "x"}, headers=othello.auth), 404)
    assert_error(await client.delete(path, headers=othello.auth), 404)
    assert_error(await client.post(f"{path}/reprocess", headers=othello.auth), 404)
    for who in (hamlet, iago):
        assert (await client.get(path, headers=who.auth)).status_code == 200
        assert (await client.get(f"{path}/stream", headers=who.auth)).status_code == 200
    assert track["id"] in await listed_ids(client, f"?owner={hamlet.id}", **hamlet.auth)


async def test_unlisted_track_is_reachable_by_id_but_never_listed(
    client: httpx.AsyncClient, hamlet: Account, othello: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("mp3"), visibility="unlisted")
    path = f"/api/v1/tracks/{track['id']}"
    assert (await client.get(path)).status_code == 200
    assert (await client.get(f"{path}/stream", headers=othello.auth)).status_code == 200
    for query in ("", f"?owner={hamlet.id}", "?visibility=unlisted"):
        assert track["id"] not in await listed_ids(client, query, **othello.auth)
    assert track["id"] in await listed_ids(client, f"?owner={hamlet.id}", **hamlet.auth)


async def test_others_cannot_edit_a_public_track(
    client: httpx.AsyncClient, hamlet: Account, othello: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("mp3"))
    path = f"/api/v1/tracks/{track['id']}"
    response = await client.patch(path, json={"title": "mine"}, headers=othello.auth)
    assert_error(response, 403, "not_track_owner")
    assert_error(await client.delete(path, headers=othello.auth), 403)
    assert_error(await client.patch(path, json={"title": "mine"}), 401)


async def test_list_filters_sorting_and_cursor(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, sample: Sample
) -> None:
    tracks = [
        await upload_ready(client, hamlet, sample("flac", seconds=seconds))
        for seconds in (2.0, 2.5, 3.0)
    ]
    other = await upload_ready(client, othello, sample("flac", seconds=2.0))
    ids = [t["id"] for t in tracks]
    for track, genre, plays in zip(tracks, ("Jazz", "Rock", "Jazz"), (5, 50, 1), strict=True):
        patch = await client.patch(
            f"/api/v1/tracks/{track['id']}", json={"genre": genre}, headers=hamlet.auth
        )
        assert patch.status_code == 200
        async with app.state.backends.db.session() as db:
            await db.execute(
                update(Track)
                .where(Track.id == uuid.UUID(patch.json()["id"]))
                .values(play_count=plays)
            )
            await db.commit()
    # Newest first, two per page.
    first = (await client.get(f"/api/v1/tracks?owner={hamlet.id}&limit=2")).json()
    assert [t["id"] for t in first["items"]] == ids[::-1][:2]
    second = (
        await client.get(f"/api/v1/tracks?owner={hamlet.id}&limit=2&cursor={first['next_cursor']}")
    ).json()
    assert [t["id"] for t in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None
    assert await listed_ids(client, f"?owner={hamlet.id}&sort=most_played") == [
        ids[1],
        ids[0],
        ids[2],
    ]
    assert await listed_ids(client, "?genre=Jazz") == [ids[2], ids[0]]
    assert set(await listed_ids(client)) == {*ids, other["id"]}
    assert_error(await client.get("/api/v1/tracks?cursor=nonsense"), 400, "invalid_cursor")
    assert_error(await client.get("/api/v1/tracks?limit=1000"), 422)
    assert_error(await client.get("/api/v1/tracks?sort=random"), 422)


async def test_patch_metadata(client: httpx.AsyncClient, hamlet: Account, sample: Sample) -> None:
    track = await upload_ready(client, hamlet, sample("mp3"))
    path = f"/api/v1/tracks/{track['id']}"
    changes = {
        "title": "Ωδή 🎶",
        "artist": "Hamlet",
        "year": 1601,
        "track_number": 2,
        "downloadable": True,
        "visibility": "unlisted",
    }
    response = await client.patch(path, json=changes, headers=hamlet.auth)
    assert response.status_code == 200
    assert {k: response.json()[k] for k in changes} == changes
    cleared = await client.patch(path, json={"artist": None}, headers=hamlet.auth)
    assert cleared.json()["artist"] is None
    for bad in (
        {"title": None},
        {"title": ""},
        {"title": "a\x07b"},
        {"year": 99},
        {"owner_id": hamlet.id},
        {"visibility": "secret"},
    ):
        assert_error(await client.patch(path, json=bad, headers=hamlet.auth), 422)


async def test_delete_removes_rows_and_every_file(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("flac"))
    play = (await client.get(f"/api/v1/tracks/{track['id']}/stream", headers=hamlet.auth)).json()
    assert len(stored_files(app)) > 10
    response = await client.delete(f"/api/v1/tracks/{track['id']}", headers=hamlet.auth)
    assert response.status_code == 204
    assert_error(await client.get(f"/api/v1/tracks/{track['id']}", headers=hamlet.auth), 404)
    assert stored_files(app) == []
    async with app.state.backends.db.session() as db:
        assert await db.scalar(select(func.count()).select_from(MediaJob)) == 0
    assert (await client.get(play["hls"])).status_code == 404
    # The same file may be uploaded again.
    assert (await upload(client, hamlet, sample("flac"))).status_code == 202


async def test_reprocess_keeps_edited_metadata(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("opus"))
    path = f"/api/v1/tracks/{track['id']}"
    await client.patch(path, json={"title": "Edited"}, headers=hamlet.auth)
    response = await client.post(f"{path}/reprocess", headers=hamlet.auth)
    assert response.status_code == 202
    assert response.json()["status"] == "uploaded"
    done = await wait_processed(client, hamlet, track["id"])
    assert (done["status"], done["title"]) == ("ready", "Edited")
    play = await client.get(f"{path}/stream", headers=hamlet.auth)
    assert (await client.get(play.json()["progressive"]["opus"])).status_code == 200


async def test_playback_of_a_track_not_yet_processed_is_409(
    app_factory: AppFactory, sample: Sample
) -> None:
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        track = (await upload(client, hamlet, sample("mp3"))).json()
        response = await client.get(f"/api/v1/tracks/{track['id']}/stream", headers=hamlet.auth)
        assert_error(response, 409, "track_not_ready")
        reprocess = await client.post(
            f"/api/v1/tracks/{track['id']}/reprocess", headers=hamlet.auth
        )
        assert_error(reprocess, 409, "already_processing")
