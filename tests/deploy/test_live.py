"""A real Prometheus scrapes a real `veza serve` and answers a query about a Veza metric;
a real nginx with deploy/nginx.conf proxies the API, the WebSocket and media to it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import websockets.sync.client
import yaml

from cli.conftest import free_port
from cli.test_serve import PASSWORD, ServerProcess, StartServer, data_root, start_server

__all__ = ["data_root", "start_server"]  # fixtures used here
pytestmark = pytest.mark.slow
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
GUARD_SECONDS = 60.0  # a hung process becomes a failure, not a hung run


def _wait_for(what: str, check: Callable[[], bool], log: Callable[[], str]) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {GUARD_SECONDS:g} s:\n{log()}")
        time.sleep(0.2)


def _register(server: ServerProcess, username: str) -> str:
    with server.http() as http:
        answer = http.post(
            "/api/v1/auth/register",
            json={"username": username, "email": f"{username}@example.org", "password": PASSWORD},
        )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Start Prometheus scraping `target` every second, with Veza's alert rules loaded."""
    if shutil.which("prometheus") is None:
        pytest.skip("prometheus is not installed (Debian's `prometheus` package; .ci/run does it)")
    processes: list[subprocess.Popen[bytes]] = []

    def start(target: str) -> str:
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(DEPLOY / "alerts.yml")],
            "scrape_configs": [{"job_name": "veza-all", "static_configs": [{"targets": [target]}]}],
        }
        config_file = tmp_path / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config))
        port = free_port()
        log_path = tmp_path / "prometheus.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    "prometheus",
                    f"--config.file={config_file}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"prometheus exited:\n{log_path.read_text()}")
            try:
                return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for("prometheus did not get ready", ready, log_path.read_text)
        return url

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)


def test_prometheus_scrapes_veza_and_answers_a_query_about_it(
    start_server: StartServer, prometheus: Callable[[str], str]
) -> None:
    server = start_server()
    _register(server, "hamlet")
    _register(server, "othello")
    url = prometheus(server.base_url.removeprefix("http://"))

    def query(expression: str) -> list[dict[str, object]]:
        answer = httpx.get(f"{url}/api/v1/query", params={"query": expression}, timeout=5)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "success", body
        result: list[dict[str, object]] = body["data"]["result"]
        return result

    def registrations_seen() -> bool:
        result = query('veza_registrations_total{job="veza-all"}')
        return bool(result) and result[0]["value"][1] == "2"  # type: ignore[index]

    _wait_for("prometheus saw no 2 registrations", registrations_seen, server.log)
    (up,) = query('up{job="veza-all"}')
    assert up["value"][1] == "1"  # type: ignore[index]
    routes = query('sum by (route) (http_requests_total{job="veza-all"})')
    assert {"route": "/api/v1/auth/register"} in [r["metric"] for r in routes]
    # Veza's alert rules loaded and evaluate against real series without error.
    rules = httpx.get(f"{url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    loaded = [rule for group in rules for rule in group["rules"]]
    groups = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"]
    assert len(loaded) == sum(len(group["rules"]) for group in groups)
    assert all(rule["health"] != "err" for rule in loaded), loaded
    assert server.stop(), server.log()


def test_nginx_with_the_deploy_config_fronts_every_service(
    start_server: StartServer, tmp_path: Path
) -> None:
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian's `nginx` package)")
    server = start_server()
    veza = server.base_url.removeprefix("http://")
    port = free_port()
    config = (DEPLOY / "nginx.conf").read_text()
    for upstream in ("api:8080", "chat:3001", "stream:3002"):
        config = config.replace(f"server {upstream};", f"server {veza};")
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};")
    # Everything nginx writes stays in the test's folder.
    for name in TEMP_PATHS:
        (tmp_path / name).mkdir()
    temp_paths = "".join(f" {name}_temp_path {tmp_path / name};" for name in TEMP_PATHS)
    (tmp_path / "nginx.conf").write_text(config.replace("http {", "http {" + temp_paths, 1))
    settings = f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off;"
    process = subprocess.Popen(
        ["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g", settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            if process.poll() is not None:
                pytest.fail(f"nginx exited:\n{(tmp_path / 'error.log').read_text()}")
            try:
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for("nginx did not answer", answering, lambda: (tmp_path / "error.log").read_text())
        with httpx.Client(base_url=base, timeout=10) as http:
            registered = http.post(
                "/api/v1/auth/register",
                json={"username": "hamlet", "email": "hamlet@example.org", "password": PASSWORD},
            )
            assert registered.status_code == 201, registered.text
            token = registered.json()["access_token"]
            # nginx names each request; Veza keeps the id it was given.
            assert len(registered.headers["x-request-id"]) == 32
            # Media: Veza's own refusal of a bad token, passed through unchanged.
            media = http.get("/stream/not-a-token/master.m3u8", headers={"Range": "bytes=0-9"})
            assert media.status_code == 403, media.text
            assert media.json()["error"]["code"]
            # Scrapes go to each replica, never through the public port.
            assert http.get("/metrics").status_code == 404
        with websockets.sync.client.connect(
            f"ws://127.0.0.1:{port}/ws?token={token}", open_timeout=10
        ) as socket:
            assert '"ready"' in str(socket.recv(timeout=10))
    finally:
        process.terminate()
        process.wait(30)
    assert server.stop(), server.log()


@pytest.mark.parametrize(
    ("service", "own_metric"),
    [
        ("api", "veza_registrations_total"),
        ("chat", "veza_chat_connections_active"),
        ("stream", "veza_storage_free_bytes"),
    ],
)
def test_each_standalone_service_exposes_its_own_metrics_and_health(
    start_server: StartServer, service: str, own_metric: str
) -> None:
    server = start_server(service)
    with server.http() as http:
        assert http.get("/health").json() == {"status": "ok"}
        assert http.get("/ready").status_code == 200
        metrics = http.get("/metrics")
    assert metrics.status_code == 200
    assert f"\n{own_metric}" in metrics.text
    assert 'http_requests_total{method="GET",route="/ready",status="200"} 1.0' in metrics.text
    assert server.stop(), server.log()
