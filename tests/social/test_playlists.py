"""Playlists: CRUD, ordered items, collaborative editors, visibility, summaries."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok

from conftest import Account, assert_error
from veza.core.media.cover import SIZES

P = "/api/v1/playlists"


async def new_playlist(
    client: httpx.AsyncClient, owner: Account, visibility: str = "public", title: str = "Mix"
) -> str:
    body = {"title": title, "visibility": visibility}
    playlist = await ok(await client.post(P, json=body, headers=owner.auth), 201)
    return str(playlist["id"])


async def item_tracks(client: httpx.AsyncClient, pid: str, who: Account | None = None) -> list[str]:
    headers = who.auth if who else {}
    page = await ok(await client.get(f"{P}/{pid}/items?limit=100", headers=headers))
    return [item["track"]["id"] for item in page["items"]]


async def add(
    client: httpx.AsyncClient, who: Account, pid: str, *tracks: str, position: int | None = None
) -> httpx.Response:
    body: dict[str, object] = {"track_ids": list(tracks)}
    if position is not None:
        body["position"] = position
    return await client.post(f"{P}/{pid}/items", json=body, headers=who.auth)


async def test_create_rename_describe_delete(
    client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    created = await ok(
        await client.post(
            P, json={"title": " Road trip ", "description": "a\nb"}, headers=hamlet.auth
        ),
        201,
    )
    assert created["title"] == "Road trip"
    assert created["visibility"] == "public"
    assert (created["track_count"], created["duration"], created["cover"]) == (0, 0.0, [])
    path = f"{P}/{created['id']}"
    patched = await ok(
        await client.patch(path, json={"title": "Trip", "description": "new"}, headers=hamlet.auth)
    )
    assert (patched["title"], patched["description"]) == ("Trip", "new")
    assert_error(
        await client.patch(path, json={"title": "x"}, headers=othello.auth),
        403,
        "not_playlist_owner",
    )
    assert_error(await client.delete(path, headers=othello.auth), 403, "not_playlist_owner")
    assert_error(await client.patch(path, json={"title": None}, headers=hamlet.auth), 422)
    assert_error(await client.patch(path, json={"title": "a\u202eb"}, headers=hamlet.auth), 422)
    assert_error(await client.post(P, json={"title": ""}, headers=hamlet.auth), 422)
    assert_error(await client.post(P, json={"title": "x"}), 401)
    await ok(await client.delete(path, headers=hamlet.auth), 204)
    assert_error(await client.get(path), 404, "playlist_not_found")


async def test_items_are_ordered_and_moves_shift_the_rest(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    pid = await new_playlist(client, hamlet)
    a, b, c, d = [await make_track(app, hamlet, title=t, duration=60.0) for t in "abcd"]
    added = await ok(await add(client, hamlet, pid, a, b), 201)
    assert [(i["position"], i["track"]["id"]) for i in added] == [(0, a), (1, b)]
    await ok(await add(client, hamlet, pid, c, d, position=1), 201)
    assert await item_tracks(client, pid) == [a, c, d, b]
    items = (await ok(await client.get(f"{P}/{pid}/items")))["items"]
    assert [i["position"] for i in items] == [0, 1, 2, 3]
    moved = await ok(
        await client.patch(
            f"{P}/{pid}/items/{items[0]['id']}", json={"position": 3}, headers=hamlet.auth
        )
    )
    assert moved == {"position": 3}
    assert await item_tracks(client, pid) == [c, d, b, a]
    await ok(await client.delete(f"{P}/{pid}/items/{items[2]['id']}", headers=hamlet.auth), 204)
    assert await item_tracks(client, pid) == [c, b, a]
    playlist = await ok(await client.get(f"{P}/{pid}"))
    assert (playlist["track_count"], playlist["duration"]) == (3, 180.0)
    page = await ok(await client.get(f"{P}/{pid}/items?limit=2"))
    rest = await ok(await client.get(f"{P}/{pid}/items?limit=2&cursor={page['next_cursor']}"))
    assert [i["track"]["id"] for i in page["items"] + rest["items"]] == [c, b, a]
    assert rest["next_cursor"] is None


async def test_bad_positions_duplicates_batches_and_unknown_tracks(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    pid = await new_playlist(client, hamlet)
    a, b = [await make_track(app, hamlet) for _ in "ab"]
    await ok(await add(client, hamlet, pid, a), 201)
    error = assert_error(
        await add(client, hamlet, pid, b, position=5), 422, "position_out_of_range"
    )
    assert error["details"]["max"] == 1
    assert_error(await add(client, hamlet, pid, b, position=-1), 422, "position_out_of_range")
    error = assert_error(await add(client, hamlet, pid, b, a), 409, "already_in_playlist")
    assert error["details"]["track_ids"] == [a]
    assert_error(await add(client, hamlet, pid, b, b), 422, "duplicate_in_batch")
    assert_error(await add(client, hamlet, pid), 422, "no_tracks")
    huge = [str(uuid.uuid4()) for _ in range(101)]
    error = assert_error(await add(client, hamlet, pid, *huge), 422, "batch_too_large")
    assert error["details"] == {"limit": 100, "given": 101}
    missing = str(uuid.uuid4())
    error = assert_error(await add(client, hamlet, pid, b, missing), 404, "track_not_found")
    assert error["details"]["track_ids"] == [missing]
    theirs = await make_track(app, othello, visibility="private")
    assert_error(await add(client, hamlet, pid, theirs), 404, "track_not_found")
    unlisted = await make_track(app, othello, visibility="unlisted")
    await ok(await add(client, hamlet, pid, unlisted), 201)
    item = (await ok(await client.get(f"{P}/{pid}/items")))["items"][0]["id"]
    move = f"{P}/{pid}/items/{item}"
    assert_error(
        await client.patch(move, json={"position": 2}, headers=hamlet.auth),
        422,
        "position_out_of_range",
    )
    assert_error(await client.patch(move, json={"position": "x"}, headers=hamlet.auth), 422)
    gone = f"{P}/{pid}/items/{uuid.uuid4()}"
    assert_error(
        await client.patch(gone, json={"position": 0}, headers=hamlet.auth), 404, "item_not_found"
    )
    assert_error(await client.delete(gone, headers=hamlet.auth), 404, "item_not_found")
    # Nothing half-written: the refused batches left the playlist as it was.
    assert await item_tracks(client, pid) == [a, unlisted]


async def test_deleted_track_leaves_and_positions_close_up(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    pid = await new_playlist(client, hamlet)
    a, b, c = [await make_track(app, hamlet, duration=10.0) for _ in "abc"]
    await ok(await add(client, hamlet, pid, a, b, c), 201)
    await ok(await client.delete(f"/api/v1/tracks/{b}", headers=hamlet.auth), 204)
    playlist = await ok(await client.get(f"{P}/{pid}"))
    assert (playlist["track_count"], playlist["duration"]) == (2, 20.0)
    items = (await ok(await client.get(f"{P}/{pid}/items")))["items"]
    assert [i["track"]["id"] for i in items] == [a, c]
    # Positions are absolute and valid for moves: n-1 is the last one, n is out of range.
    path = f"{P}/{pid}/items/{items[0]['id']}"
    assert_error(
        await client.patch(path, json={"position": 2}, headers=hamlet.auth),
        422,
        "position_out_of_range",
    )
    await ok(await client.patch(path, json={"position": 1}, headers=hamlet.auth))
    items = (await ok(await client.get(f"{P}/{pid}/items")))["items"]
    assert [(i["position"], i["track"]["id"]) for i in items] == [(0, c), (1, a)]


async def test_private_playlist_is_404_for_others_everywhere(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    pid = await new_playlist(client, hamlet, visibility="private")
    track = await make_track(app, hamlet)
    path = f"{P}/{pid}"
    for who in (othello.auth, {}):
        assert_error(await client.get(path, headers=who), 404, "playlist_not_found")
        assert_error(await client.get(f"{path}/items", headers=who), 404)
        assert_error(await client.get(f"{path}/editors", headers=who), 404)
        listed = await ok(await client.get(f"{P}?owner={hamlet.id}", headers=who))
        assert listed["items"] == []
    assert_error(await add(client, othello, pid, track), 404, "playlist_not_found")
    assert_error(await client.patch(path, json={"title": "x"}, headers=othello.auth), 404)
    assert_error(await client.delete(path, headers=othello.auth), 404)
    for who in (hamlet, iago):
        await ok(await client.get(path, headers=who.auth))
    mine = await ok(await client.get(f"{P}?owner={hamlet.id}", headers=hamlet.auth))
    assert [p["id"] for p in mine["items"]] == [pid]


async def test_unlisted_playlist_reachable_by_id_never_listed(
    client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    unlisted = await new_playlist(client, hamlet, visibility="unlisted")
    public = await new_playlist(client, hamlet)
    await ok(await client.get(f"{P}/{unlisted}", headers=othello.auth))
    for query in ("", f"?owner={hamlet.id}"):
        listed = await ok(await client.get(f"{P}{query}", headers=othello.auth))
        assert [p["id"] for p in listed["items"]] == [public]


async def test_others_private_tracks_in_a_public_playlist_are_hidden(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    pid = await new_playlist(client, hamlet)
    mine = await make_track(app, hamlet, visibility="private", duration=5.0, has_cover=True)
    shown = await make_track(app, hamlet, duration=7.0, has_cover=True)
    await ok(await add(client, hamlet, pid, mine, shown), 201)
    assert await item_tracks(client, pid, othello) == [shown]
    theirs = await ok(await client.get(f"{P}/{pid}", headers=othello.auth))
    assert (theirs["track_count"], theirs["duration"], len(theirs["cover"])) == (1, 7.0, 1)
    own = await ok(await client.get(f"{P}/{pid}", headers=hamlet.auth))
    assert (own["track_count"], own["duration"], len(own["cover"])) == (2, 12.0, 2)
    assert set(own["cover"][0]) == {str(size) for size in SIZES}
    assert all(url.startswith("/stream/") for url in own["cover"][0].values())


async def test_collaborative_editors(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    pid = await new_playlist(client, hamlet, visibility="private")
    a = await make_track(app, othello)
    editors = f"{P}/{pid}/editors"
    assert_error(await add(client, othello, pid, a), 404)
    invite = {"username": "othello"}
    assert_error(await client.post(editors, json=invite, headers=othello.auth), 404)
    await ok(await client.post(editors, json=invite, headers=hamlet.auth), 204)
    await ok(await client.post(editors, json=invite, headers=hamlet.auth), 204)  # idempotent
    assert_error(
        await client.post(editors, json={"username": "hamlet"}, headers=hamlet.auth),
        422,
        "owner_is_editor",
    )
    assert_error(await client.post(editors, json={"username": "nobody"}, headers=hamlet.auth), 404)
    listed = await ok(await client.get(editors, headers=othello.auth))
    assert [e["username"] for e in listed] == ["othello"]
    # The editor sees the private playlist, adds and reorders, but cannot rename or delete.
    await ok(await client.get(f"{P}/{pid}", headers=othello.auth))
    await ok(await add(client, othello, pid, a), 201)
    editable = await ok(await client.get(f"{P}?editable=true", headers=othello.auth))
    assert [p["id"] for p in editable["items"]] == [pid]
    assert_error(await client.patch(f"{P}/{pid}", json={"title": "x"}, headers=othello.auth), 403)
    assert_error(await client.delete(f"{P}/{pid}", headers=othello.auth), 403)
    assert_error(await client.post(editors, json={"username": "iago"}, headers=othello.auth), 403)
    # Not invited: a public playlist can be read but not reordered.
    await ok(await client.patch(f"{P}/{pid}", json={"visibility": "public"}, headers=hamlet.auth))
    item = (await ok(await client.get(f"{P}/{pid}/items")))["items"][0]["id"]
    await ok(await add(client, hamlet, pid, await make_track(app, iago)), 201)
    await ok(await client.delete(f"{editors}/othello", headers=hamlet.auth), 204)
    response = await client.patch(
        f"{P}/{pid}/items/{item}", json={"position": 1}, headers=othello.auth
    )
    assert_error(response, 403, "not_playlist_editor")
    assert_error(
        await client.delete(f"{editors}/othello", headers=hamlet.auth), 404, "editor_not_found"
    )
