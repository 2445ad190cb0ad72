"""Start a real `veza serve` process for a benchmark, on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    pid: int
    data: Path | None = None  # its data directory (database, media storage)


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


@contextlib.contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A throwaway PostgreSQL database; yields its asyncpg URL."""
    name = f"veza_bench_{uuid.uuid4().hex[:8]}"
    admin = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)
    try:
        yield base_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def analyze(database_url: str) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load; a no-op on SQLite.

    Autovacuum does this in production a minute after large writes, but the PostgreSQL these
    benchmarks use runs with `autovacuum = off`: without statistics the planner guesses one
    row per filter and picks nested loops over whole tables (bench/README.md, issue 5).
    """
    if database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-d", name]
        subprocess.run([*psql, "-c", "ANALYZE"], check=True)


@contextlib.contextmanager
def veza_server(service: str = "api", **env: str) -> Iterator[Server]:
    """`veza serve <service>` with benchmark settings: no rate limits, warnings-only logs."""
    with tempfile.TemporaryDirectory(prefix="veza-bench-") as tmp:
        data = Path(tmp)
        port = free_port()
        environment = {
            **os.environ,
            "VEZA_ENV": "development",
            "VEZA_DATA_DIR": str(data),
            "VEZA_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'veza.db'}",
            "VEZA_STORAGE_URL": f"file://{data / 'media'}",
            "VEZA_RATE_LIMIT_ENABLED": "false",
            "VEZA_LOG_LEVEL": "WARNING",
            **env,
        }
        if "postgresql" in environment["VEZA_DATABASE_URL"]:
            migrate = [sys.executable, "-m", "veza", "migrate"]
            subprocess.run(migrate, env=environment, check=True, capture_output=True)
        command = [sys.executable, "-m", "veza", "serve", service, "--port", str(port)]
        process = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process)
            yield Server(url, process.pid, data)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")
