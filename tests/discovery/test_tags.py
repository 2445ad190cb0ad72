"""Tags: only owners set them, they are normalised, browsable, and trend by recent plays."""

from __future__ import annotations

import httpx
from discovery_helpers import make_track, play, track_json
from fastapi import FastAPI

from conftest import Account, assert_error


async def put_tags(
    client: httpx.AsyncClient, account: Account, track_id: str, tags: list[str]
) -> httpx.Response:
    return await client.put(
        f"/api/v1/tracks/{track_id}/tags", json={"tags": tags}, headers=account.auth
    )


async def test_owner_tags_a_track_and_listeners_browse_by_tag(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    tagged = await make_track(app, hamlet, "Night drive")
    other = await make_track(app, hamlet, "Morning")
    hidden = await make_track(app, hamlet, "Secret synth", visibility="private")

    response = await put_tags(
        client, hamlet, tagged, ["  Synthwave ", "#Night  Drive", "synthwave"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["night drive", "synthwave"]
    assert (await put_tags(client, hamlet, hidden, ["synthwave"])).status_code == 200
    assert (await put_tags(client, hamlet, other, ["ambient"])).status_code == 200

    listed = await client.get("/api/v1/tracks?tag=SynthWave")
    assert [t["id"] for t in listed.json()["items"]] == [tagged]
    assert (await track_json(client, othello, tagged))["tags"] == ["night drive", "synthwave"]

    replaced = await put_tags(client, hamlet, tagged, ["synthwave", "retro"])
    assert replaced.json()["tags"] == ["retro", "synthwave"]
    assert (await put_tags(client, hamlet, tagged, [])).json()["tags"] == []


async def test_only_the_owner_tags_and_bad_tags_are_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Mine")
    private = await make_track(app, hamlet, "Hidden", visibility="private")
    assert_error(await put_tags(client, othello, track_id, ["spam"]), 403, "not_track_owner")
    assert_error(await put_tags(client, othello, private, ["spam"]), 404)
    assert_error(await put_tags(client, hamlet, track_id, ["x" * 33]), 422, "invalid_tag")
    assert_error(await put_tags(client, hamlet, track_id, ["   "]), 422, "invalid_tag")
    assert_error(await put_tags(client, hamlet, track_id, ["a\x00b"]), 422, "invalid_tag")
    many = [f"tag{i}" for i in range(11)]
    assert_error(await put_tags(client, hamlet, track_id, many), 422, "too_many_tags")
    assert_error(await put_tags(client, hamlet, track_id, ["y"] * 51), 422)
    assert (await track_json(client, hamlet, track_id))["tags"] == []


async def test_trending_tags_rank_by_recent_counted_plays_of_public_tracks(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    jazz = await make_track(app, hamlet, "Blue")
    rock = await make_track(app, hamlet, "Loud")
    secret = await make_track(app, hamlet, "Hidden gem")
    for track_id, tags in ((jazz, ["jazz"]), (rock, ["rock", "loud"]), (secret, ["secret"])):
        assert (await put_tags(client, hamlet, track_id, tags)).status_code == 200
    assert (await play(client, othello, jazz, 40)).json()["counted"]
    assert (await play(client, othello, rock, 40)).json()["counted"]
    assert (await play(client, othello, secret, 40)).json()["counted"]
    assert not (await play(client, othello, rock, 5)).json()["counted"]
    response = await client.patch(
        f"/api/v1/tracks/{secret}", json={"visibility": "private"}, headers=hamlet.auth
    )
    assert response.status_code == 200

    trending = await client.get("/api/v1/tags/trending?days=7")
    assert trending.status_code == 200, trending.text
    items = trending.json()["items"]
    assert {item["tag"] for item in items} == {"jazz", "rock", "loud"}
    assert all(item["plays"] == 1 for item in items)
    assert_error(await client.get("/api/v1/tags/trending?days=0"), 422)
    assert_error(await client.get("/api/v1/tags/trending?limit=1000"), 422)
