"""Authenticated reads on one process: `GET /auth/me` and `GET /users/{username}`."""

from __future__ import annotations

import functools

import httpx

from bench import wrk
from bench.server import Server

PASSWORD = "correct horse battery staple"


def sign_up(server: Server, username: str = "bench_user") -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.org", "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def measure(server: Server, *, seconds: int) -> dict[str, wrk.LoadResult]:
    token = sign_up(server)
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, wrk.LoadResult] = {}
    for name, path in (
        ("auth/me", "/api/v1/auth/me"),
        ("users/{username}", "/api/v1/users/bench_user"),
    ):
        url = server.url + path
        wrk.run(url, connections=8, seconds=2, headers=headers)  # warm-up
        load = functools.partial(
            wrk.run, url, connections=64, seconds=seconds, headers=headers, server_pid=server.pid
        )
        results[f"{name} max"] = load()
        results[f"{name} @1000/s"] = load(rate=1000)
    return results
