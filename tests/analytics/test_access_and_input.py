"""Who may read which analytics, and every malformed query: clear errors, nothing served."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from chat.conftest import Server
from chat.support import make_room
from conftest import Account, assert_error
from discovery.discovery_helpers import make_track
from veza.core.db import utcnow


async def test_another_artists_analytics_are_refused(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    public = await make_track(server.app, hamlet, "Out there")
    private = await make_track(server.app, hamlet, "Demo", visibility="private")
    base = "/api/v1/analytics"

    assert_error(
        await http.get(f"{base}/tracks/{public}", headers=othello.auth), 403, "not_track_owner"
    )
    # A private track is not there at all for others, as on its own route.
    assert_error(
        await http.get(f"{base}/tracks/{private}", headers=othello.auth), 404, "track_not_found"
    )
    assert_error(
        await http.get(f"{base}/artists/hamlet", headers=othello.auth), 403, "not_your_analytics"
    )
    assert_error(
        await http.get(f"{base}/artists/nobody", headers=othello.auth), 404, "user_not_found"
    )
    assert_error(await http.get(f"{base}/platform", headers=othello.auth), 403, "admin_required")
    assert_error(await http.get(f"{base}/live", headers=othello.auth), 403, "admin_required")
    assert_error(await http.get(f"{base}/artists/hamlet"), 401)

    for path in (f"tracks/{public}", f"tracks/{private}", "artists/hamlet"):
        assert (await http.get(f"{base}/{path}", headers=hamlet.auth)).status_code == 200
        assert (await http.get(f"{base}/{path}", headers=iago.auth)).status_code == 200
    assert (await http.get(f"{base}/platform", headers=iago.auth)).status_code == 200


async def test_room_analytics_are_for_its_owner_moderators_and_admins(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, iago: Account
) -> None:
    room = await make_room(http, hamlet, othello)
    secret = await make_room(http, hamlet, visibility="private")
    base = "/api/v1/analytics/rooms"

    assert_error(await http.get(f"{base}/{room}", headers=othello.auth), 403, "not_moderator")
    assert_error(await http.get(f"{base}/{secret}", headers=othello.auth), 404, "room_not_found")
    live = await http.get(f"/api/v1/analytics/live?room={room}", headers=othello.auth)
    assert_error(live, 403, "not_moderator")

    promoted = await http.put(
        f"/api/v1/rooms/{room}/members/othello/role",
        json={"role": "moderator"},
        headers=hamlet.auth,
    )
    assert promoted.status_code == 200, promoted.text
    for account in (hamlet, othello, iago):
        assert (await http.get(f"{base}/{room}", headers=account.auth)).status_code == 200
    assert (await http.get(f"{base}/{secret}", headers=iago.auth)).status_code == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "invalid_range"),
        ({"granularity": "week"}, "invalid_granularity"),
        ({"granularity": "minute"}, "invalid_granularity"),
        ({"granularity": "hour", "start": "2026-03-01", "end": "2026-03-15"}, "range_too_large"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "range_too_large"),
        ({"start": "yesterday"}, "invalid_input"),
        ({"end": "2026-02-30"}, "invalid_input"),
        ({"granularity": "d" * 40}, "invalid_input"),
    ],
)
async def test_bad_periods_are_refused(
    server: Server, http: httpx.AsyncClient, hamlet: Account, params: dict[str, str], code: str
) -> None:
    track = await make_track(server.app, hamlet, "Song")
    for path in (f"tracks/{track}", "artists/hamlet"):
        response = await http.get(f"/api/v1/analytics/{path}", params=params, headers=hamlet.auth)
        assert_error(response, 422, code)
    # The service is still up and answers a good query.
    fine = await http.get(f"/api/v1/analytics/tracks/{track}", headers=hamlet.auth)
    assert fine.status_code == 200


async def test_the_longest_periods_allowed_are_served(
    server: Server, http: httpx.AsyncClient, hamlet: Account
) -> None:
    today = utcnow().date()
    by_day = {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()}
    found = await http.get("/api/v1/analytics/artists/hamlet", params=by_day, headers=hamlet.auth)
    assert found.status_code == 200, found.text
    assert len(found.json()["series"]) == 366
    by_hour = {"start": (today - timedelta(days=13)).isoformat(), "granularity": "hour"}
    found = await http.get("/api/v1/analytics/artists/hamlet", params=by_hour, headers=hamlet.auth)
    assert len(found.json()["series"]) == 14 * 24


async def test_play_sources_are_validated_and_optional(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(server.app, hamlet, "Song")
    url = f"/api/v1/tracks/{track}/plays"
    body = {"position": 40, "listened_seconds": 40}
    for bad in ("radio", "", 7, "PROFILE"):
        refused = await http.post(url, json={**body, "source": bad}, headers=othello.auth)
        assert_error(refused, 422, "invalid_input")
    # Old players send no source at all; that still works (counted as `other`).
    assert (await http.post(url, json=body, headers=othello.auth)).status_code == 201
    shared = await http.post(url, json={**body, "source": "share"}, headers=othello.auth)
    assert shared.status_code == 201, shared.text
