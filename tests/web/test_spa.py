"""The web app at `/`: built files, their cache headers, client routes; services untouched."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from conftest import assert_error
from veza.core.web import spa
from veza.core.web.errors import install_error_handlers
from veza.core.web.middleware import RequestContextMiddleware

INDEX = "<!doctype html><title>Veza</title><div id=root></div>"


def web_client(dist: Path) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/api/v1/things")
    async def things() -> dict[str, str]:
        return {"ok": "yes"}

    spa.install(app, dist)
    app.add_middleware(RequestContextMiddleware)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return tmp_path


async def test_index_and_client_routes_get_the_app_revalidated(dist: Path) -> None:
    async with web_client(dist) as client:
        for path in ("/", "/library", "/tracks/6f1c", "/chat/room/deep"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.text == INDEX
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_other_files_revalidated(dist: Path) -> None:
    async with web_client(dist) as client:
        asset = await client.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert asset.text == "console.log(1)"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in asset.headers["content-type"]
        icon = await client.get("/favicon.svg")
        assert icon.headers["cache-control"] == "no-cache"
        head = await client.head("/assets/index-abc123.js")
        assert head.status_code == 200


async def test_missing_assets_and_service_paths_are_json_404s(dist: Path) -> None:
    async with web_client(dist) as client:
        for path in ("/assets/gone-123.js", "/api/v1/nothing", "/stream/x/y.m4s", "/metricsx"):
            assert_error(await client.get(path), 404, "not_found")


async def test_paths_outside_the_build_are_not_served(dist: Path) -> None:
    async with web_client(dist) as client:
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"):
            response = await client.get(path)
            assert "not for the web" not in response.text, path


async def test_service_routes_keep_their_methods_and_errors(dist: Path) -> None:
    async with web_client(dist) as client:
        assert (await client.post("/api/v1/things")).json() == {"ok": "yes"}
        assert (await client.get("/api/v1/things")).status_code == 405
        assert_error(await client.post("/library"), 404, "not_found")


async def test_without_a_build_the_placeholder_says_how_to_build(tmp_path: Path) -> None:
    async with web_client(tmp_path / "missing") as client:
        response = await client.get("/")
        assert response.status_code == 200
        assert "make run" in response.text
        assert_error(await client.get("/library"), 404, "not_found")


async def test_the_all_in_one_app_serves_the_web_app_at_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Veza" in response.text
    assert_error(await client.get("/api/v1/no-such-thing"), 404)


async def test_a_websocket_to_an_unknown_path_is_closed(dist: Path) -> None:
    app = FastAPI()
    spa.install(app, dist)
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/nowhere", "root_path": "", "headers": [], "app": app}
    await app.router(scope, receive, send)
    assert [message["type"] for message in sent] == ["websocket.close"]
