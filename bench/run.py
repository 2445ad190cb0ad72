"""`make bench`: run every benchmark and print a Markdown table for bench/README.md."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time
from datetime import UTC, datetime

import httpx

from bench import http_reads, login, wrk
from bench.server import postgres_database, resident_mib, veza_server

POSTGRES = os.environ.get(
    "VEZA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("VEZA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def machine() -> str:
    cpus = os.cpu_count()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{platform.machine()}, {cpus} cores, {memory_gib:.0f} GiB, Python {python}"


def row(name: str, database: str, result: wrk.LoadResult) -> str:
    errors = result.non_2xx + result.errors
    cpu = "" if result.server_cpu_ms is None else f"{result.server_cpu_ms:.2f}"
    return (
        f"| {name} | {database} | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} | "
        f"{result.p99_ms:.1f} | {cpu} | {errors} |"
    )


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    print(f"# Veza benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n")
    print(f"load average (1, 5, 15 min) at start: {load_average()}\n")
    print("| benchmark | database | req/s | p50 ms | p99 ms | server CPU ms/req | errors |")
    print("|---|---|---|---|---|---|---|")
    databases: dict[str, contextlib.AbstractContextManager[str | None]] = {
        "SQLite": contextlib.nullcontext(None)  # veza_server's default
    }
    if not args.skip_postgres:
        databases["PostgreSQL"] = postgres_database(POSTGRES)
        # The scaled shape: the session check is cached in Redis, shared by every process.
        databases["PostgreSQL + Redis"] = postgres_database(POSTGRES)
    for label, database in databases.items():
        with database as database_url:
            server_env = {"VEZA_DATABASE_URL": database_url} if database_url else {}
            if "Redis" in label:
                server_env |= {"VEZA_REDIS_URL": REDIS, "VEZA_REDIS_PREFIX": f"bench{os.getpid()}:"}
            with veza_server("api", **server_env) as server:
                for name, result in http_reads.measure(server, seconds=args.seconds).items():
                    print(row(f"GET {name}", label, result), flush=True)
                result = login.measure(server, seconds=args.seconds)
                print(row("POST auth/login", label, result), flush=True)
    print(f"\nload average (1, 5, 15 min) at end: {load_average()}")
    print(f"argon2id hash with the default parameters: {login.hash_seconds() * 1000:.1f} ms")
    with veza_server("all") as server:
        httpx.get(f"{server.url}/ready", timeout=10)
        time.sleep(2)
        print(f"idle `veza serve all` resident memory: {resident_mib(server.pid):.0f} MiB")


if __name__ == "__main__":
    main()
