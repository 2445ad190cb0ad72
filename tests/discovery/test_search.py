"""Search and type-ahead: one suite, run on SQLite FTS5 and on PostgreSQL full-text."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from discovery_helpers import make_track
from fastapi import FastAPI

from conftest import Account, assert_error, register
from veza.api import search as search_api
from veza.core.media.processing import set_state
from veza.core.models import TrackStatus

ODD_QUERIES = [
    '"',
    '"unclosed',
    "*",
    "a*",
    "OR",
    "x OR y",
    "NEAR(",
    "NEAR(a b, 2)",
    "title:foo",
    "^start",
    "-minus",
    "a AND (b",
    "\\",
    "'; DROP TABLE tracks; --",
    "x:*&!|<->",
    "nul\x00byte",
    "🎸🔥",
    "🎸 guitar",
    "\u202eevil",
    "ä" * 200,
    " ".join(["word"] * 40),
]


async def find(
    client: httpx.AsyncClient,
    q: str,
    account: Account | None = None,
    **params: Any,
) -> list[tuple[str, str]]:
    headers = account.auth if account else {}
    response = await client.get("/api/v1/search", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [(item["type"], item["title"]) for item in response.json()["items"]]


async def titles(client: httpx.AsyncClient, q: str, account: Account | None = None) -> list[str]:
    return [title for kind, title in await find(client, q, account, type="track")]


async def test_tracks_are_found_by_title_artist_album_genre_and_tags(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    await make_track(app, hamlet, "Nocturne in Blue", artist="Ève Müller", album="Late Hours")
    tagged = await make_track(app, hamlet, "Drive", genre="Synthwave")
    response = await client.put(
        f"/api/v1/tracks/{tagged}/tags", json={"tags": ["neon nights"]}, headers=hamlet.auth
    )
    assert response.status_code == 200

    assert await titles(client, "nocturne") == ["Nocturne in Blue"]
    assert await titles(client, "NOCT") == ["Nocturne in Blue"]  # prefix, any case
    assert await titles(client, "eve muller") == ["Nocturne in Blue"]  # accents folded
    assert await titles(client, "Ève Müller") == ["Nocturne in Blue"]
    assert await titles(client, "late hours") == ["Nocturne in Blue"]
    assert await titles(client, "synthwave") == ["Drive"]
    assert await titles(client, "neon") == ["Drive"]
    assert await titles(client, "nocturne drive") == []  # every word must match


async def test_users_and_public_rooms_are_found_and_type_filters(
    client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    response = await client.patch(
        "/api/v1/users/me", json={"display_name": "Synth Lord"}, headers=hamlet.auth
    )
    assert response.status_code == 200, response.text
    for name, visibility in (("synth-nerds", "public"), ("synth-secret", "private")):
        response = await client.post(
            "/api/v1/rooms",
            json={"name": name, "topic": "modular synths", "visibility": visibility},
            headers=othello.auth,
        )
        assert response.status_code == 201, response.text

    found = await find(client, "synth")
    assert sorted(found) == [("room", "synth-nerds"), ("user", "Synth Lord")]
    assert await find(client, "synth", othello) == found  # the room's creator too
    assert await find(client, "hamlet", type="user") == [("user", "Synth Lord")]
    assert await find(client, "synth", type="room") == [("room", "synth-nerds")]
    assert await find(client, "synth", type="room,user") == found
    error = assert_error(
        await client.get("/api/v1/search", params={"q": "x", "type": "planet"}), 422
    )
    assert error["code"] == "invalid_search_type"


async def test_private_and_unlisted_tracks_are_only_found_by_their_owner(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    await make_track(app, hamlet, "Hidden public")
    await make_track(app, hamlet, "Hidden private", visibility="private")
    await make_track(app, hamlet, "Hidden unlisted", visibility="unlisted")
    await make_track(app, hamlet, "Hidden unprocessed", status=TrackStatus.processing)
    await register(client, "iago")

    assert await titles(client, "hidden") == ["Hidden public"]
    assert await titles(client, "hidden", othello) == ["Hidden public"]
    assert sorted(await titles(client, "hidden", hamlet)) == [
        "Hidden private",
        "Hidden public",
        "Hidden unlisted",
        "Hidden unprocessed",
    ]
    suggested = await client.get("/api/v1/search/suggest", params={"q": "hid"})
    assert [s["text"] for s in suggested.json()["items"]] == ["Hidden public"]


async def test_the_index_follows_edits_visibility_and_deletion(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Original title")
    assert await titles(client, "original") == ["Original title"]

    url = f"/api/v1/tracks/{track_id}"
    assert (await client.patch(url, json={"title": "Renamed"}, headers=hamlet.auth)).is_success
    assert await titles(client, "original") == []
    assert await titles(client, "renamed") == ["Renamed"]

    assert (await client.patch(url, json={"visibility": "private"}, headers=hamlet.auth)).is_success
    assert await titles(client, "renamed", othello) == []
    assert await titles(client, "renamed", hamlet) == ["Renamed"]
    assert (await client.patch(url, json={"visibility": "public"}, headers=hamlet.auth)).is_success
    assert await titles(client, "renamed", othello) == ["Renamed"]

    assert (await client.delete(url, headers=hamlet.auth)).status_code == 204
    assert await titles(client, "renamed", hamlet) == []


async def test_a_deleted_users_documents_go_with_them(
    app: FastAPI, client: httpx.AsyncClient, iago: Account
) -> None:
    leaving = await register(client, "leaving")
    await make_track(app, leaving, "Farewell song")
    assert await find(client, "farewell") == [("track", "Farewell song")]
    response = await client.delete("/api/v1/admin/users/leaving", headers=iago.auth)
    assert response.status_code == 204, response.text
    assert await find(client, "farewell") == []
    assert await find(client, "leaving") == []


async def test_title_matches_rank_first_and_pages_follow(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    await make_track(app, hamlet, "Something else", album="Aurora")
    await make_track(app, hamlet, "Aurora")
    for n in range(5):
        await make_track(app, hamlet, f"Aurora part {n}")
    found = await titles(client, "aurora")
    assert found[0] == "Aurora"
    assert found[-1] == "Something else"

    first = await client.get("/api/v1/search", params={"q": "aurora", "limit": 4})
    body = first.json()
    assert len(body["items"]) == 4
    assert body["next_cursor"]
    rest = await client.get(
        "/api/v1/search", params={"q": "aurora", "limit": 4, "cursor": body["next_cursor"]}
    )
    rest_body = rest.json()
    assert rest_body["next_cursor"] is None
    paged = [i["title"] for i in body["items"] + rest_body["items"]]
    assert paged == found
    bad = await client.get("/api/v1/search", params={"q": "aurora", "cursor": "!!"})
    assert_error(bad, 400, "invalid_cursor")


async def test_suggest_completes_prefixes(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    await make_track(app, hamlet, "Moonlight Sonata")
    await make_track(app, hamlet, "Moonwalk")
    await make_track(app, hamlet, "Sunrise")
    response = await client.get("/api/v1/search/suggest", params={"q": "moo"})
    assert response.status_code == 200, response.text
    assert sorted(s["text"] for s in response.json()["items"]) == ["Moonlight Sonata", "Moonwalk"]
    response = await client.get("/api/v1/search/suggest", params={"q": "moonlight so"})
    assert [s["text"] for s in response.json()["items"]] == ["Moonlight Sonata"]
    limited = await client.get("/api/v1/search/suggest", params={"q": "moo", "limit": 1})
    assert len(limited.json()["items"]) == 1
    assert_error(await client.get("/api/v1/search/suggest", params={"q": "m", "limit": 11}), 422)


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/search/suggest"])
async def test_odd_queries_get_results_or_a_clear_422_never_a_500(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, path: str
) -> None:
    await make_track(app, hamlet, "Guitar 🎸 anthem")
    for q in ODD_QUERIES:
        response = await client.get(path, params={"q": q})
        assert response.status_code == 200, (q, response.text)
    emoji = await client.get(path, params={"q": "🎸 guitar"})
    assert len(emoji.json()["items"]) == 1
    assert_error(await client.get(path, params={"q": ""}), 422)
    assert_error(await client.get(path), 422)
    assert_error(await client.get(path, params={"q": "x" * 201}), 422)
    assert_error(await client.get(path, params={"q": "x" * 500}), 422)


async def test_a_track_becomes_findable_when_processing_marks_it_ready(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track_id = await make_track(app, hamlet, "Fresh Tune", status=TrackStatus.processing)
    assert await titles(client, "fresh", othello) == []
    # The media workers' own state change, as they make it at the end of the pipeline.
    changed = await set_state(app.state.backends, uuid.UUID(track_id), TrackStatus.ready, 100)
    assert changed
    assert await titles(client, "fresh", othello) == ["Fresh Tune"]


async def test_suggest_filters_before_it_caps_the_candidates(
    app: FastAPI,
    client: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Type-ahead ranks only the first matches; hidden documents and other kinds must not take
    those places, or the first private tracks indexed would hide every public one."""
    monkeypatch.setattr(search_api, "SUGGEST_CANDIDATES", 2)
    for n in range(4):  # indexed first
        await make_track(app, othello, f"Orbit secret {n}", visibility="private")
    for n in range(4):
        await make_track(app, hamlet, f"Orbit public {n}")
    await register(client, "orbiter")

    async def suggest(account: Account | None = None, **params: str) -> list[tuple[str, str]]:
        headers = account.auth if account else {}
        response = await client.get(
            "/api/v1/search/suggest", params={"q": "orbi", **params}, headers=headers
        )
        assert response.status_code == 200, response.text
        return [(s["type"], s["text"]) for s in response.json()["items"]]

    anonymous = await suggest(limit="10")
    # SQLite ranks only the first matches; PostgreSQL ranks all (see engine.first_matches).
    capped = app.state.backends.db.engine.dialect.name == "sqlite"
    assert len(anonymous) == (2 if capped else 5)  # 4 public tracks and the user
    assert all("secret" not in text for _, text in anonymous)
    assert await suggest(type="user") == [("user", "orbiter")]
    assert all("secret" not in text for _, text in await suggest(hamlet))
