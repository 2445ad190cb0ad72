"""Track and artist analytics equal what the test computes from the plays it reported."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from analytics.analytics_helpers import dashboard, drain, forget_rollups
from chat.conftest import Server
from conftest import Account, register
from discovery.discovery_helpers import make_track
from veza.core.analytics import rollups
from veza.core.analytics.events import Kind, record
from veza.core.bus import publish_json
from veza.core.db import utcnow
from veza.core.models import AnalyticsEvent


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


async def _views(http: httpx.AsyncClient, hamlet: Account, track: str) -> list[dict[str, Any]]:
    today = utcnow().date().isoformat()
    return [
        await dashboard(http, hamlet, f"tracks/{track}"),
        await dashboard(http, hamlet, f"tracks/{track}", granularity="hour", start=today),
        await dashboard(http, hamlet, "artists/hamlet"),
    ]


async def test_events_applied_twice_out_of_order_and_at_once_count_once(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    durations = {await make_track(server.app, hamlet, "Song", duration=120.0): 120.0}
    listeners = [othello, await register(http, "fan")]
    await listen_around(http, hamlet, listeners, durations)
    await drain(server.app)
    track = next(iter(durations))
    before = await _views(http, hamlet, track)

    await forget_rollups(server.app)
    async with server.app.state.backends.db.session() as db:
        ids = list(await db.scalars(select(AnalyticsEvent.id)))
    random.Random(3).shuffle(ids)
    half = len(ids) // 2
    # Two consumers at once, each with a batch holding repeats, then everything again.
    async with (
        server.app.state.backends.db.session() as one,
        server.app.state.backends.db.session() as two,
    ):
        await asyncio.gather(
            rollups.apply(one, ids[:half] + ids[:3]),
            rollups.apply(two, list(reversed(ids))),
        )
        assert await rollups.apply(one, ids) == 0
    for event_id in ids[:5]:  # the bus redelivers: the worker finds nothing left to do
        await publish_json(
            server.app.state.backends.bus, "veza.event.play.recorded", {"event_id": event_id}
        )
    await drain(server.app)
    assert await _views(http, hamlet, track) == before


async def test_a_late_event_lands_in_the_bucket_of_when_it_happened(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(server.app, hamlet, "Song", duration=120.0)
    today = await report(http, othello, track, 60.0, source="feed")
    assert today.counted
    await drain(server.app)
    async with server.app.state.backends.db.session() as db:
        late = record(
            db,
            Kind.play,
            occurred_at=utcnow() - timedelta(days=1),
            user_id=uuid.UUID(othello.id),
            track_id=uuid.UUID(track),
            owner_id=uuid.UUID(hamlet.id),
            source="search",
            listened_ms=45_000,
            counted=True,
        )
        await db.commit()
        assert await rollups.apply(db, [late.id]) == 1
        assert await rollups.apply(db, [late.id]) == 0

    found = await dashboard(http, hamlet, f"tracks/{track}")
    assert [day["plays"] for day in found["series"][-2:]] == [1, 1]
    assert [day["listeners"] for day in found["series"][-2:]] == [1, 1]
    # One person on both days: one unique listener over the period, not two.
    assert found["totals"]["unique_listeners"] == 1
    assert found["totals"]["sources"]["search"] == found["totals"]["sources"]["feed"] == 1
    assert found["totals"]["listening_seconds"] == pytest.approx(105.0)


async def test_unique_listeners_over_weeks_and_loose_days_count_each_person_once(
    server: Server, http: httpx.AsyncClient, hamlet: Account
) -> None:
    track = await make_track(server.app, hamlet, "Song", duration=120.0)
    people = [uuid.uuid4() for _ in range(5)]
    rng = random.Random(11)
    heard = [(rng.randrange(0, 40), rng.choice(people)) for _ in range(60)]
    async with server.app.state.backends.db.session() as db:
        events = [
            record(
                db,
                Kind.play,
                occurred_at=utcnow() - timedelta(days=days_ago),
                user_id=who,
                track_id=uuid.UUID(track),
                owner_id=uuid.UUID(hamlet.id),
                listened_ms=60_000,
                counted=True,
            )
            for days_ago, who in heard
        ]
        await db.commit()
        await rollups.apply(db, [event.id for event in events])

    today = utcnow().date()
    for first, last in ((39, 0), (30, 3), (17, 9), (12, 12), (6, 0), (25, 11)):
        start, end = today - timedelta(days=first), today - timedelta(days=last)
        params = {"start": start.isoformat(), "end": end.isoformat()}
        found = await dashboard(http, hamlet, f"tracks/{track}", **params)
        inside = {who for days_ago, who in heard if last <= days_ago <= first}
        assert found["totals"]["unique_listeners"] == len(inside), (first, last)
        assert found["totals"]["plays"] == sum(last <= d <= first for d, _ in heard)
