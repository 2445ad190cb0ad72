"""`veza serve` as an operator runs it: a real process on a real port, over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cli.conftest import FAST_ARGON2_ENV, free_port

pytestmark = pytest.mark.slow

PASSWORD = "Quartz-Lantern-Zebra-4471"
START_SECONDS = 60.0
STOP_SECONDS = 30.0


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def stop(self) -> bool:
        """SIGTERM, as a supervisor stops it; SIGKILL only if it will not go.

        True when it shut down cleanly: the app's shutdown ran and the process ended by the
        signal it was sent (uvicorn re-raises it after a graceful exit) or with status 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return False
        return (
            self.process.returncode in (0, -signal.SIGTERM)
            and "Application shutdown complete" in self.log()
        )


StartServer = Callable[..., ServerProcess]


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def start_server(data_root: Path) -> Iterator[StartServer]:
    """Start `veza serve [SERVICE]` in development mode under `data_root`; all are stopped."""
    started: list[ServerProcess] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEZA_")}
    data = data_root / "var"
    env.update(
        {
            "VEZA_ENV": "development",
            "VEZA_DATA_DIR": str(data),
            "VEZA_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'veza.db'}",
            "VEZA_STORAGE_URL": f"file://{data / 'media'}",
            "VEZA_TRANSCODE_WORKERS": "1",
            **FAST_ARGON2_ENV,
        }
    )

    def start(*service: str) -> ServerProcess:
        port = free_port()
        log_path = data_root / f"server-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "veza", "serve", *service, "--port", str(port)],
                env=env,
                cwd=data_root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(process, f"http://127.0.0.1:{port}", log_path, env)
        started.append(server)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(f"{server.base_url}/health", timeout=2.0).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /health:\n{server.log()}")
            time.sleep(0.1)

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def test_serve_all_runs_everything_on_one_port(start_server: StartServer, data_root: Path) -> None:
    server = start_server()
    with server.http() as http:
        # Embedded mode migrated by itself: accounts work at once.
        registered = http.post(
            "/api/v1/auth/register",
            json={"username": "hamlet", "email": "hamlet@example.org", "password": PASSWORD},
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["access_token"]
        me = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["username"] == "hamlet"
        assert me.headers["x-request-id"]

        page = http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Veza" in page.text

        schema = http.get("/api/openapi.json")
        assert schema.status_code == 200
        assert "/api/v1/auth/register" in schema.json()["paths"]
        assert http.get("/api/docs").status_code == 200

        ready = http.get("/ready")
        assert ready.status_code == 200, ready.text
        assert all(check["ok"] for check in ready.json()["checks"].values())
        assert "http_requests_total" in http.get("/metrics").text

    assert server.stop(), server.log()
    # The process logged JSON lines, and never the password or the token.
    log = server.log()
    assert PASSWORD not in log
    assert token not in log
    requests = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and '"event": "request"' in line
    ]
    assert any(r["path"] == "/api/v1/auth/me" and r["status"] == 200 for r in requests), log
    assert (data_root / "var" / "veza.db").exists()


def test_development_secret_is_generated_once_and_kept(
    start_server: StartServer, data_root: Path
) -> None:
    secret_file = data_root / "var" / "secret_key"
    assert not secret_file.exists()
    first = start_server()
    assert secret_file.exists()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32
    with first.http() as http:
        registered = http.post(
            "/api/v1/auth/register",
            json={"username": "hamlet", "email": "hamlet@example.org", "password": PASSWORD},
        )
        assert registered.status_code == 201, registered.text
    auth = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    assert first.stop(), first.log()

    second = start_server()
    assert secret_file.read_text().strip() == secret
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    with second.http() as http:
        # A token issued before the restart still verifies after it.
        me = http.get("/api/v1/auth/me", headers=auth)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "hamlet"
        refreshed = http.post(
            "/api/v1/auth/refresh", json={"refresh_token": registered.json()["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text


def test_serve_api_runs_only_the_api(start_server: StartServer) -> None:
    server = start_server("api")
    with server.http() as http:
        paths = http.get("/api/openapi.json").json()["paths"]
        assert "/api/v1/auth/login" in paths
        assert not any(path.startswith("/stream") for path in paths)
        registered = http.post(
            "/api/v1/auth/register",
            json={"username": "hamlet", "email": "hamlet@example.org", "password": PASSWORD},
        )
        assert registered.status_code == 201, registered.text
        # The web UI and the other services live elsewhere.
        assert http.get("/").status_code == 404
        assert http.get("/stream/abc/master.m3u8").status_code == 404
        assert http.get("/ready").status_code == 200
    assert server.stop(), server.log()
