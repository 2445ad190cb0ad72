"""Business, security, cache, bus and storage metrics move when the matching thing happens."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from conftest import PASSWORD, Account, assert_error, register
from discovery.discovery_helpers import make_track, play
from prometheus_text import Scrape, scrape
from stream.sample_audio import write_audio
from veza.core.observability import business
from veza.core.observability.instrumented import key_namespace, subject_family


async def _moved(client: httpx.AsyncClient, before: Scrape, name: str, **labels: str) -> float:
    return (await scrape(client)).value(name, **labels) - before.value(name, **labels)


async def test_register_counts_one_registration(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await register(client, "ophelia")
    assert await _moved(client, before, "veza_registrations_total") == 1
    # A refused registration (the name is taken) counts nothing.
    before = await scrape(client)
    taken = await client.post(
        "/api/v1/auth/register",
        json={"username": "ophelia", "email": "other@example.org", "password": PASSWORD},
    )
    assert_error(taken, 409)
    assert await _moved(client, before, "veza_registrations_total") == 0


async def test_logins_are_counted_by_method_and_failures_apart(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    before = await scrape(client)
    wrong = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": "nope"})
    assert_error(wrong, 401, "invalid_credentials")
    assert await _moved(client, before, "veza_logins_total", method="password") == 0
    assert await _moved(client, before, "veza_auth_attempts_total", result="failure") == 1
    ok = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert ok.status_code == 200
    assert await _moved(client, before, "veza_logins_total", method="password") == 1
    # Every method has its series from the start, so rates see a 0 and not a gap.
    methods = (await scrape(client)).label_values("veza_logins_total", "method")
    assert methods >= business.LOGIN_METHODS


async def test_refresh_token_reuse_is_counted(client: httpx.AsyncClient, hamlet: Account) -> None:
    first = await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token})
    assert first.status_code == 200
    before = await scrape(client)
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token})
    assert_error(again, 401, "refresh_token_reused")
    assert await _moved(client, before, "veza_refresh_token_reuse_total") == 1


async def test_a_play_counts_one_play(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet, "Elsinore Nights", duration=180.0)
    before = await scrape(client)
    assert (await play(client, othello, track, listened=60.0)).status_code == 201
    assert await _moved(client, before, "veza_plays_total", counted="true") == 1
    # Too short to count: reported, but not a counted play.
    assert (await play(client, othello, track, listened=2.0)).status_code == 201
    assert await _moved(client, before, "veza_plays_total", counted="true") == 1
    assert await _moved(client, before, "veza_plays_total", counted="false") == 1


async def test_an_upload_counts_one_upload(
    client: httpx.AsyncClient, hamlet: Account, tmp_path: Path
) -> None:
    sample = write_audio(tmp_path, "wav", seconds=1.0)
    files = {"file": ("take.wav", sample.read_bytes(), "application/octet-stream")}
    before = await scrape(client)
    answer = await client.post("/api/v1/tracks", files=files, headers=hamlet.auth)
    assert answer.status_code == 202, answer.text
    assert await _moved(client, before, "veza_uploads_total") == 1
    # The same file again is a refused duplicate and counts nothing.
    again = await client.post("/api/v1/tracks", files=files, headers=hamlet.auth)
    assert_error(again, 409)
    assert await _moved(client, before, "veza_uploads_total") == 1


async def test_session_checks_count_cache_misses_then_hits(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200
    name = "veza_cache_lookups_total"
    # The first check reads the database and caches the session; the next ones hit.
    assert await _moved(client, before, name, namespace="auth", result="miss") == 1
    assert await _moved(client, before, name, namespace="auth", result="hit") == 2
    namespaces = (await scrape(client)).label_values(name, "namespace")
    assert all(":" not in namespace and len(namespace) < 20 for namespace in namespaces)


async def test_bus_publishes_and_deliveries_are_counted_by_subject_family(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    created = await client.post(
        "/api/v1/rooms", json={"name": "lounge", "visibility": "public"}, headers=hamlet.auth
    )
    room = created.json()["id"]
    subscription = await app.state.backends.bus.subscribe(f"veza.room.{room}")
    before = await scrape(client)
    patched = await client.patch(f"/api/v1/rooms/{room}", json={"topic": "x"}, headers=hamlet.auth)
    assert patched.status_code == 200
    async for _ in subscription:
        break
    await subscription.unsubscribe()
    family = "veza.room.*"
    assert await _moved(client, before, "veza_bus_published_total", subject=family) == 1
    assert await _moved(client, before, "veza_bus_delivered_total", subject=family) >= 1
    subjects = (await scrape(client)).label_values("veza_bus_published_total", "subject")
    assert not any(room in subject for subject in subjects)


def test_labels_stay_bounded() -> None:
    assert subject_family("veza.room.3f2a6c1e-8d1b-4c1a-9f0e-1a2b3c4d5e6f") == "veza.room.*"
    assert subject_family("veza.user.42") == "veza.user.*"
    assert subject_family("veza.event.track.ready") == "veza.event.track.ready"
    assert key_namespace("auth:sid:1234") == "auth"
    assert key_namespace("no-colon") == "other"
    with pytest.raises(ValueError, match="login method"):
        business.count_login("hamlet")
    with pytest.raises(ValueError, match="moderation action"):
        business.count_moderation("defenestrated")


async def test_media_storage_disk_space_is_reported(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    metrics = await scrape(client)
    free, size = metrics.value("veza_storage_free_bytes"), metrics.value("veza_storage_size_bytes")
    assert metrics.types["veza_storage_free_bytes"] == "gauge"
    assert 0 < free <= size
