"""Serves the built web app (`web/` → `src/veza/web/dist`) at `/` beside the services.

Hashed assets are cached for a year; `index.html` is revalidated every time, so a new build is
picked up at once. Any other GET outside the services' prefixes is a client route and gets
`index.html`. Without a build, `/` says so and the rest is 404."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from veza.core.errors import NotFound

DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
# Paths that belong to the services: never answered with the app, so their 404s stay JSON.
SERVICE_PREFIXES = ("api/", "stream/", "ws", "metrics", "health", "ready")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

PLACEHOLDER = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Veza</title>"
    "<h1>Veza is running</h1><p>The web app has not been built: run <code>make run</code> "
    "(it builds <code>web/</code>), or "
    "<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>. "
    "The REST API is documented at <a href=/api/docs>/api/docs</a>; "
    "health at <a href=/ready>/ready</a>.</p></html>"
)


def respond(root: Path, method: str, path: str) -> Response:
    """The answer for a request no service route matched (`path` without its leading slash)."""
    if method not in ("GET", "HEAD") or path.startswith(SERVICE_PREFIXES):
        raise NotFound("no such route")
    index = root / "index.html"
    if not index.is_file():
        if path:
            raise NotFound("no such route")
        return HTMLResponse(PLACEHOLDER, headers={"Cache-Control": REVALIDATE})
    target = (root / path).resolve()
    if path and target.is_relative_to(root) and target.is_file():
        cache = IMMUTABLE if target.parent == root / "assets" else REVALIDATE
        return FileResponse(target, headers={"Cache-Control": cache})
    if path.startswith("assets/"):
        raise NotFound("no such asset")
    return FileResponse(index, headers={"Cache-Control": REVALIDATE})


def install(app: FastAPI, dist: Path = DIST) -> None:
    """Answer what no route matches: after every service route, never shadowing one (a wrong
    method on a service path stays 405, an unknown API path stays a JSON 404)."""
    root = dist.resolve()

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # a WebSocket to an unknown path: closed, as Starlette does
            await WebSocketClose()(scope, receive, send)
            return
        request = Request(scope, receive)
        response = respond(root, request.method, request.url.path.lstrip("/"))
        await response(scope, receive, send)

    app.router.default = fallback
