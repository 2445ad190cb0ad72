"""Plays: the counting threshold, per-track totals, history, and every refusal."""

from __future__ import annotations

import httpx
import pytest
from discovery_helpers import make_track, play, track_json
from fastapi import FastAPI

from conftest import Account, assert_error, register
from veza.core.models import TrackStatus


async def test_a_play_counts_after_30_seconds_or_half_the_track(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    long_track = await make_track(app, hamlet, "Long", duration=300)
    short_track = await make_track(app, hamlet, "Short", duration=20)

    under = await play(client, othello, long_track, 29.5)
    assert under.status_code == 201, under.text
    assert under.json()["counted"] is False
    assert under.json()["not_counted_reason"] == "too_short"

    counted = await play(client, othello, long_track, 30)
    assert counted.json()["counted"] is True
    assert counted.json()["not_counted_reason"] is None

    assert (await play(client, othello, short_track, 9.9)).json()["counted"] is False
    assert (await play(client, othello, short_track, 10, completed=True)).json()["counted"]

    track = await track_json(client, othello, long_track)
    assert track["play_count"] == 1
    assert track["listener_count"] == 1
    assert track["listening_seconds"] == pytest.approx(59.5)


async def test_counters_count_unique_listeners_and_ignore_the_owner(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Counted", duration=40)
    iago = await register(client, "iago")

    own = await play(client, hamlet, track_id, 40, completed=True)
    assert own.status_code == 201
    assert own.json()["counted"] is False
    assert own.json()["not_counted_reason"] == "own_track"

    for account in (othello, iago):
        assert (await play(client, account, track_id, 25)).json()["counted"] is True
    # The same listener again at once: nobody hears 20 s twice in no time.
    again = await play(client, othello, track_id, 25)
    assert again.json()["not_counted_reason"] == "too_soon"

    track = await track_json(client, hamlet, track_id)
    assert (track["play_count"], track["listener_count"]) == (2, 2)
    assert track["listening_seconds"] == pytest.approx(75)

    listed = await client.get("/api/v1/tracks?sort=most_played")
    assert listed.json()["items"][0]["id"] == track_id


async def test_recently_played_lists_each_track_once_latest_first(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    first = await make_track(app, hamlet, "First")
    second = await make_track(app, hamlet, "Second")
    hidden = await make_track(app, hamlet, "Later private")
    for track_id in (first, second, hidden, first):
        assert (await play(client, othello, track_id, 5)).status_code == 201
    response = await client.patch(
        f"/api/v1/tracks/{hidden}", json={"visibility": "private"}, headers=hamlet.auth
    )
    assert response.status_code == 200

    page = await client.get("/api/v1/me/recently-played?limit=1", headers=othello.auth)
    assert page.status_code == 200, page.text
    body = page.json()
    assert [item["track"]["id"] for item in body["items"]] == [first]
    assert body["items"][0]["listened_seconds"] == pytest.approx(10)
    rest = await client.get(
        f"/api/v1/me/recently-played?cursor={body['next_cursor']}", headers=othello.auth
    )
    assert [item["track"]["id"] for item in rest.json()["items"]] == [second]

    own = await client.get("/api/v1/me/recently-played", headers=hamlet.auth)
    assert own.json()["items"] == []
    assert_error(await client.get("/api/v1/me/recently-played"), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"position": -1, "listened_seconds": 10},
        {"position": 10, "listened_seconds": -0.5},
        {"position": 10, "listened_seconds": 1e12},
        {"position": "soon", "listened_seconds": 10},
        {"position": 10},
        {"position": 10, "listened_seconds": 10, "extra": True},
    ],
)
async def test_malformed_plays_are_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, body: dict
) -> None:
    track_id = await make_track(app, hamlet, "Target")
    response = await client.post(
        f"/api/v1/tracks/{track_id}/plays", json=body, headers=othello.auth
    )
    assert_error(response, 422)
    assert (await track_json(client, othello, track_id))["listening_seconds"] == 0


async def test_plays_past_the_end_private_and_unready_tracks_are_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Three minutes", duration=180)
    assert_error(await play(client, othello, track_id, 600), 422, "invalid_play")
    assert_error(await play(client, othello, track_id, 10, position=900), 422, "invalid_play")

    private = await make_track(app, hamlet, "Secret", visibility="private")
    assert_error(await play(client, othello, private, 60), 404, "track_not_found")
    assert (await play(client, hamlet, private, 60)).status_code == 201

    unready = await make_track(app, hamlet, "Busy", status=TrackStatus.processing)
    assert_error(await play(client, othello, unready, 60), 409, "track_not_ready")

    missing = "00000000-0000-0000-0000-000000000000"
    assert_error(await play(client, othello, missing, 60), 404)
    assert_error(await client.post(f"/api/v1/tracks/{track_id}/plays", json={"position": 1}), 401)


async def test_plays_are_rate_limited(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Hammered", duration=60)
    codes = [(await play(client, othello, track_id, 1)).status_code for _ in range(120)]
    assert codes == [201] * 120
    refused = await play(client, othello, track_id, 1)
    assert_error(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
