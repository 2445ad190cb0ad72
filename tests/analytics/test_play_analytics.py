"""Track and artist analytics equal what the test computes from the plays it reported."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from analytics.analytics_helpers import dashboard, drain
from chat.conftest import Server
from conftest import Account, register
from discovery.discovery_helpers import make_track
from veza.core.db import utcnow


@dataclass
class Sent:
    listener: str
    track: str
    listened: float
    completed: bool
    source: str | None
    counted: bool


async def report(
    http: httpx.AsyncClient,
    who: Account,
    track: str,
    listened: float,
    *,
    completed: bool = False,
    source: str | None = None,
) -> Sent:
    body: dict[str, Any] = {"position": listened, "listened_seconds": listened}
    body["completed"] = completed
    if source is not None:
        body["source"] = source
    response = await http.post(f"/api/v1/tracks/{track}/plays", json=body, headers=who.auth)
    assert response.status_code == 201, response.text
    return Sent(who.username, track, listened, completed, source, response.json()["counted"])


def expected(sent: list[Sent], durations: dict[str, float]) -> dict[str, Any]:
    """The dashboard's totals, computed here from the reports alone."""
    done = [s.completed or s.listened >= 0.9 * durations[s.track] for s in sent]
    skipped = [not d and s.listened < 30 for s, d in zip(sent, done, strict=True)]
    counted = [s for s in sent if s.counted]
    sources = dict.fromkeys(("profile", "playlist", "search", "share", "feed", "other"), 0)
    for s in counted:
        sources[s.source or "other"] += 1
    return {
        "reports": len(sent),
        "plays": len(counted),
        "unique_listeners": len({s.listener for s in counted}),
        "listening_seconds": pytest.approx(sum(s.listened for s in sent)),
        "completion_rate": pytest.approx(sum(done) / len(sent), abs=1e-4),
        "skip_rate": pytest.approx(sum(skipped) / len(sent), abs=1e-4),
        "sources": sources,
    }


async def listen_around(
    http: httpx.AsyncClient,
    hamlet: Account,
    listeners: list[Account],
    durations: dict[str, float],
) -> list[Sent]:
    tracks = sorted(durations)
    rng = random.Random(7)
    sent = []
    for _ in range(40):
        who = rng.choice(listeners)
        track = rng.choice(tracks)
        listened = min(durations[track], rng.choice([5.0, 20.0, 29.0, 36.0, 45.0, 95.0, 100.0]))
        source = rng.choice([None, "profile", "playlist", "search", "share", "feed", "other"])
        sent.append(
            await report(http, who, track, listened, completed=rng.random() < 0.2, source=source)
        )
    # The artist's own listens are not their audience: never counted.
    await report(http, hamlet, tracks[0], 40.0, completed=True)
    return sent


async def test_track_and_artist_numbers_equal_those_from_the_reports(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    durations = {}
    tracks = []
    for title, duration in (("Long", 200.0), ("Short", 100.0), ("Tiny", 40.0)):
        track = await make_track(server.app, hamlet, title, duration=duration)
        tracks.append(track)
        durations[track] = duration
    listeners = [othello] + [await register(http, f"fan{n}") for n in range(3)]
    sent = await listen_around(http, hamlet, listeners, durations)
    await drain(server.app)

    for track in tracks:
        mine = [s for s in sent if s.track == track]
        found = await dashboard(http, hamlet, f"tracks/{track}")
        assert found["totals"] == expected(mine, durations)
        today = utcnow().date().isoformat()
        by_hour = await dashboard(
            http, hamlet, f"tracks/{track}", granularity="hour", start=today, end=today
        )
        assert len(by_hour["series"]) == 24
        assert sum(b["plays"] for b in by_hour["series"]) == sum(s.counted for s in mine)
        assert by_hour["totals"] == found["totals"]

    artist = await dashboard(http, hamlet, "artists/hamlet")
    assert artist["totals"] == expected(sent, durations)
    assert len(artist["series"]) == 30
    today = artist["series"][-1]
    assert today["plays"] == sum(s.counted for s in sent)
    assert today["listeners"] == artist["totals"]["unique_listeners"]
    plays_of = {t: sum(s.counted for s in sent if s.track == t) for t in tracks}
    ranked = sorted((t for t in tracks if plays_of[t]), key=lambda t: (-plays_of[t], t))
    assert [(t["track_id"], t["plays"]) for t in artist["top_tracks"]] == [
        (t, plays_of[t]) for t in ranked
    ]
