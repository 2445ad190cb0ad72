"""Recommendations: planted taste clusters come back out; nothing private or disliked leaks."""

from __future__ import annotations

import random

import httpx
from discovery_helpers import make_track, play
from fastapi import FastAPI

from conftest import Account, assert_error, register

CLUSTER_SIZE = 6
TRACKS_PER_GENRE = 12
HEARD_PER_USER = 7
MIN_OWN_CLUSTER = 0.8


async def recommended(
    client: httpx.AsyncClient, path: str, account: Account | None = None
) -> list[str]:
    headers = account.auth if account else {}
    response = await client.get(path, params={"limit": 10}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["track"]["id"] for item in response.json()["items"]]


def own_share(found: list[str], cluster: set[str]) -> float:
    assert found, "no recommendations at all"
    return sum(track in cluster for track in found) / len(found)


async def test_planted_taste_clusters_are_recommended_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    rng = random.Random(7)
    artist = await register(client, "artist")
    tracks = {
        genre: [
            await make_track(app, artist, f"{genre} {n}", genre=genre, artist=f"{genre} band {n}")
            for n in range(TRACKS_PER_GENRE)
        ]
        for genre in ("jazz", "metal")
    }
    listeners: dict[str, list[Account]] = {}
    for genre in tracks:
        listeners[genre] = [await register(client, f"{genre}_fan{i}") for i in range(CLUSTER_SIZE)]
    # jazz_fan0 never hears the last jazz track (which the other jazz fans all hear) and
    # dislikes it; every jazz fan hears the one before, which then goes private.
    disliked, hidden = tracks["jazz"][-1], tracks["jazz"][-2]
    for genre, fans in listeners.items():
        base = [t for t in tracks[genre] if t not in (disliked, hidden)]
        for index, fan in enumerate(fans):
            heard = rng.sample(base, HEARD_PER_USER)
            if genre == "jazz":
                heard += [hidden] if index == 0 else [hidden, disliked]
            for track_id in heard:
                response = await play(client, fan, track_id, 45)
                assert response.json()["counted"], response.text
    fan0 = listeners["jazz"][0]
    response = await client.put(f"/api/v1/tracks/{disliked}/dislike", headers=fan0.auth)
    assert response.status_code == 204
    response = await client.patch(
        f"/api/v1/tracks/{hidden}", json={"visibility": "private"}, headers=artist.auth
    )
    assert response.status_code == 200

    for genre, fans in listeners.items():
        cluster = set(tracks[genre])
        for fan in fans:
            mix = await recommended(client, "/api/v1/me/for-you", fan)
            assert own_share(mix, cluster) >= MIN_OWN_CLUSTER, (fan.username, mix)
            assert hidden not in mix
        for track_id in tracks[genre]:
            if track_id == hidden:
                continue
            similar = await recommended(client, f"/api/v1/tracks/{track_id}/similar")
            assert own_share(similar, cluster) >= MIN_OWN_CLUSTER
            assert hidden not in similar
            assert track_id not in similar
    assert disliked not in await recommended(client, "/api/v1/me/for-you", fan0)
    for track_id in tracks["jazz"][:3]:
        assert disliked not in await recommended(client, f"/api/v1/tracks/{track_id}/similar", fan0)
    # The owner still sees what their private track is like; nobody else can ask.
    assert await recommended(client, f"/api/v1/tracks/{hidden}/similar", artist)
    assert_error(await client.get(f"/api/v1/tracks/{hidden}/similar"), 404, "track_not_found")


async def test_fallbacks_cold_start_and_refusals(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    seed = await make_track(app, hamlet, "Seed", genre="Ambient")
    same_genre = await make_track(app, hamlet, "Drone", genre="Ambient")
    other = await make_track(app, hamlet, "Polka", genre="Polka")
    secret = await make_track(app, hamlet, "Secret", genre="Ambient", visibility="private")
    tagged = await make_track(app, hamlet, "Tagged", genre="Trance")
    for track_id in (seed, tagged):
        response = await client.put(
            f"/api/v1/tracks/{track_id}/tags", json={"tags": ["sleep"]}, headers=hamlet.auth
        )
        assert response.status_code == 200

    # No plays yet: similar falls back to shared tags and genre, never private ones.
    similar = await client.get(f"/api/v1/tracks/{seed}/similar")
    items = similar.json()["items"]
    assert {i["track"]["id"] for i in items} == {same_genre, tagged}
    assert {i["reason"] for i in items} == {"similar_metadata"}

    # Nothing heard yet: the most played public tracks, never your own.
    assert (await play(client, othello, other, 60)).json()["counted"]
    cold = await client.get("/api/v1/me/for-you", headers=hamlet.auth)
    assert cold.json()["items"] == []
    newcomer = await register(client, "newcomer")
    mix = (await client.get("/api/v1/me/for-you", headers=newcomer.auth)).json()["items"]
    assert mix[0]["track"]["id"] == other
    assert mix[0]["reason"] == "popular"
    assert secret not in {i["track"]["id"] for i in mix}

    assert_error(await client.get("/api/v1/me/for-you"), 401)
    assert_error(await client.put(f"/api/v1/tracks/{secret}/dislike", headers=othello.auth), 404)
    assert_error(await client.get(f"/api/v1/tracks/{seed}/similar?limit=0"), 422)
    assert_error(await client.get(f"/api/v1/tracks/{seed}/similar?limit=51"), 422)
    response = await client.put(f"/api/v1/tracks/{other}/dislike", headers=newcomer.auth)
    assert response.status_code == 204
    assert (await client.put(f"/api/v1/tracks/{other}/dislike", headers=newcomer.auth)).is_success
    mix = (await client.get("/api/v1/me/for-you", headers=newcomer.auth)).json()["items"]
    assert other not in {i["track"]["id"] for i in mix}
    response = await client.delete(f"/api/v1/tracks/{other}/dislike", headers=newcomer.auth)
    assert response.status_code == 204
    mix = (await client.get("/api/v1/me/for-you", headers=newcomer.auth)).json()["items"]
    assert other in {i["track"]["id"] for i in mix}
