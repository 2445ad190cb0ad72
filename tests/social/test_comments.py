"""Timed comments: positions, one level of replies, deletion rights, profanity, rate limit."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from social_helpers import make_track, ok, set_role

from conftest import Account, assert_error, register


def comments_path(track: str) -> str:
    return f"/api/v1/tracks/{track}/comments"


async def comment(
    client: httpx.AsyncClient, who: Account, track: str, body: str = "nice", **extra: Any
) -> httpx.Response:
    return await client.post(comments_path(track), json={"body": body, **extra}, headers=who.auth)


async def test_comments_along_the_track_with_replies(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet, duration=60.0)
    late = await ok(await comment(client, othello, track, "the drop", position_ms=42_000), 201)
    early = await ok(await comment(client, hamlet, track, "intro", position_ms=1_500), 201)
    assert (late["position_ms"], late["author"]["username"], late["replies"]) == (
        42000,
        "othello",
        0,
    )
    reply = await ok(await comment(client, hamlet, track, "thanks", reply_to=late["id"]), 201)
    assert (reply["reply_to"], reply["position_ms"]) == (late["id"], 42000)
    page = await ok(await client.get(comments_path(track)))
    assert [(c["id"], c["replies"]) for c in page["items"]] == [(early["id"], 0), (late["id"], 1)]
    replies = await ok(await client.get(f"/api/v1/comments/{late['id']}/replies"))
    assert [r["body"] for r in replies["items"]] == ["thanks"]
    first = await ok(await client.get(f"{comments_path(track)}?limit=1"))
    rest = await ok(
        await client.get(f"{comments_path(track)}?limit=1&cursor={first['next_cursor']}")
    )
    assert [c["id"] for c in first["items"] + rest["items"]] == [early["id"], late["id"]]
    stats = await ok(await client.get(f"/api/v1/tracks/{track}/social"))
    assert stats["comments"] == 3
    kinds = [
        n["kind"]
        for n in (await ok(await client.get("/api/v1/notifications", headers=othello.auth)))[
            "items"
        ]
    ]
    assert kinds == ["reply"]
    kinds = [
        n["kind"]
        for n in (await ok(await client.get("/api/v1/notifications", headers=hamlet.auth)))["items"]
    ]
    assert kinds == ["comment"]  # his own comment and reply did not notify him


async def test_bad_comments_are_refused_clearly(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet, duration=10.0)
    error = assert_error(
        await comment(client, othello, track, position_ms=10_001), 422, "position_out_of_range"
    )
    assert error["details"]["max"] == 10_000
    assert_error(
        await comment(client, othello, track, position_ms=-1), 422, "position_out_of_range"
    )
    assert_error(await comment(client, othello, track), 422, "position_required")
    assert_error(await comment(client, othello, track, "", position_ms=0), 422)
    assert_error(await comment(client, othello, track, "x" * 1001, position_ms=0), 422)
    assert_error(await comment(client, othello, track, "a\u202eb", position_ms=0), 422)
    assert_error(await comment(client, othello, track, position_ms="soon"), 422)
    top = await ok(await comment(client, othello, track, position_ms=0), 201)
    reply = await ok(await comment(client, hamlet, track, reply_to=top["id"]), 201)
    error = assert_error(
        await comment(client, othello, track, reply_to=reply["id"]), 422, "nested_reply"
    )
    assert error["details"]["reply_to"] == top["id"]
    other = await make_track(app, hamlet)
    assert_error(
        await comment(client, othello, other, reply_to=top["id"]), 404, "comment_not_found"
    )
    assert_error(await comment(client, othello, track, reply_to=str(uuid.uuid4())), 404)
    assert_error(await client.post(comments_path(track), json={"body": "x", "position_ms": 0}), 401)
    masked = await ok(await comment(client, othello, track, "what the fuck", position_ms=5), 201)
    assert masked["body"] == "what the ****"


async def test_comment_rate_limit(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet)
    for n in range(10):
        await ok(await comment(client, othello, track, f"c{n}", position_ms=n), 201)
    response = await comment(client, othello, track, "one more", position_ms=11)
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1
    await ok(await comment(client, hamlet, track, "still fine", position_ms=0), 201)  # per user


async def test_who_may_delete(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet)
    cassio = await register(client, "cassio")
    emilia = await register(client, "emilia")
    await set_role(app, "emilia", "moderator")
    ids = [
        (await ok(await comment(client, othello, track, f"c{n}", position_ms=n), 201))["id"]
        for n in range(3)
    ]
    reply = await ok(await comment(client, cassio, track, reply_to=ids[2]), 201)
    assert_error(
        await client.delete(f"/api/v1/comments/{ids[0]}", headers=cassio.auth),
        403,
        "not_comment_owner",
    )
    for who, target in ((othello, ids[0]), (hamlet, ids[1]), (emilia, ids[2])):
        await ok(await client.delete(f"/api/v1/comments/{target}", headers=who.auth), 204)
    assert (await ok(await client.get(comments_path(track))))["items"] == []
    assert_error(
        await client.get(f"/api/v1/comments/{reply['id']}/replies"), 404, "comment_not_found"
    )
    assert_error(await client.delete(f"/api/v1/comments/{ids[0]}", headers=othello.auth), 404)


async def test_comments_on_a_private_track_are_404_for_others(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    track = await make_track(app, hamlet)
    top = await ok(await comment(client, othello, track, position_ms=0), 201)
    await ok(await comment(client, hamlet, track, "reply", reply_to=top["id"]), 201)
    await ok(
        await client.patch(
            f"/api/v1/tracks/{track}", json={"visibility": "private"}, headers=hamlet.auth
        )
    )
    for who in ({}, othello.auth):
        assert_error(await client.get(comments_path(track), headers=who), 404, "track_not_found")
        assert_error(await client.get(f"/api/v1/comments/{top['id']}/replies", headers=who), 404)
    assert_error(await comment(client, othello, track, position_ms=0), 404, "track_not_found")
    assert_error(await client.delete(f"/api/v1/comments/{top['id']}", headers=othello.auth), 404)
    # The reply notification about a track othello can no longer see is not listed to him.
    notes = await ok(await client.get("/api/v1/notifications", headers=othello.auth))
    assert notes["items"] == []
    own = await ok(await client.get(comments_path(track), headers=hamlet.auth))
    assert len(own["items"]) == 1
