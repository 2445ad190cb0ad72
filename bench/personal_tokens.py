"""What a personal access token costs per request next to a session's access JWT.

A real `veza serve api` process; wrk sends `GET /api/v1/auth/me` with each kind of bearer
(64 connections as fast as they go). A JWT's session check is cached for 60 s; a personal
token is looked up by its hash on every request, so revocation is immediate.

    python -m bench.personal_tokens [--seconds N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import os
from datetime import UTC, datetime

import httpx

from bench import wrk
from bench.http_reads import sign_up
from bench.run import POSTGRES, machine, row
from bench.server import Server, postgres_database, veza_server


def personal_token(server: Server, access_token: str) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/tokens",
        json={"name": "bench", "scopes": ["read"]},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"# personal tokens, {datetime.now(UTC):%Y-%m-%d}, {machine()}, load {load:.2f}\n")
    print("| benchmark | database | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    databases: dict[str, contextlib.AbstractContextManager[str | None]] = {
        "SQLite": contextlib.nullcontext(None)
    }
    if not args.skip_postgres:
        databases["PostgreSQL"] = postgres_database(POSTGRES)
    for label, database in databases.items():
        with database as database_url:
            server_env = {"VEZA_DATABASE_URL": database_url} if database_url else {}
            with veza_server("api", **server_env) as server:
                access = sign_up(server)
                bearers = {"access JWT": access, "personal token": personal_token(server, access)}
                url = f"{server.url}/api/v1/auth/me"
                for name, bearer in bearers.items():
                    headers = {"Authorization": f"Bearer {bearer}"}
                    wrk.run(url, connections=8, seconds=2, headers=headers)  # warm-up
                    result = wrk.run(url, connections=64, seconds=args.seconds, headers=headers)
                    print(row(f"GET auth/me, {name}", label, result))
    print(f"\nload average after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
