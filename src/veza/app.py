"""Builds the ASGI app for a set of services: all three in one process, or one alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from veza import __version__
from veza.api import admin, auth, chat_admin, users
from veza.api import analytics as analytics_api
from veza.api import auth_email as auth_email_api
from veza.api import auth_mfa as auth_mfa_api
from veza.api import auth_oauth as auth_oauth_api
from veza.api import comments as comments_api
from veza.api import feed as feed_api
from veza.api import messages as messages_api
from veza.api import notifications as notifications_api
from veza.api import personal_tokens as personal_tokens_api
from veza.api import playlists as playlists_api
from veza.api import plays as plays_api
from veza.api import recommendations as recommendations_api
from veza.api import rooms as rooms_api
from veza.api import search as search_api
from veza.api import shares as shares_api
from veza.api import social as social_api
from veza.api import tags as tags_api
from veza.api import tracks as tracks_api
from veza.api.schemas import ErrorBody
from veza.chat import endpoint as chat_endpoint
from veza.config import Settings, get_settings
from veza.core import migrate
from veza.core.analytics.gauges import NodeCounts, NodeReporter, RecentStreams
from veza.core.analytics.middleware import ServerErrorRecorder
from veza.core.analytics.worker import AnalyticsWorker
from veza.core.backends import open_backends
from veza.core.images import AVATAR_MAX_BYTES, COVER_MAX_BYTES
from veza.core.media.runner import MediaWorkers
from veza.core.observability.logging import get_logger
from veza.core.observability.metrics import DB_POOL, STORAGE_DISK
from veza.core.observability.tracing import instrument_app, instrument_engine, tracing_active
from veza.core.storage_local import LocalStorage
from veza.core.web import spa
from veza.core.web.errors import install_error_handlers
from veza.core.web.health import router as health_router
from veza.core.web.middleware import (
    BodySizeLimitMiddleware,
    IPRateLimitMiddleware,
    RequestContextMiddleware,
)
from veza.stream import routes as stream_routes

SERVICES = ("api", "chat", "stream")
# Room for multipart framing around an upload's bytes.
MULTIPART_SLACK = 64 * 1024

log = get_logger("veza.app")
# Every refusal has the one error shape; documented once, for every route.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused; `error.code` says why."},
}


# Upload paths with an id in them, and their body caps.
COVER_PATH = re.compile(r"/api/v1/tracks/[^/]+/cover")
COVER_BODY_LIMIT = COVER_MAX_BYTES + MULTIPART_SLACK


def body_limit_for(settings: Settings) -> dict[str, int]:
    """The largest request body per path; everything else gets the JSON cap."""
    return {
        "/api/v1/users/me/avatar": AVATAR_MAX_BYTES + MULTIPART_SLACK,
        "/api/v1/tracks": settings.max_upload_mb * 1024 * 1024 + MULTIPART_SLACK,
    }


def node_counts(app: FastAPI) -> NodeCounts:
    """This process's share of the live gauges: its chat connections and recent streams."""
    hub = getattr(app.state, "chat_hub", None)
    connections, rooms = hub.counts() if hub is not None else (0, {})
    return NodeCounts(connections, rooms, app.state.recent_streams.count())


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    backends = await open_backends(settings)
    if settings.should_auto_migrate:
        await migrate.upgrade(backends.db)
    elif await migrate.current_revision(backends.db) != migrate.head_revision():
        log.warning("schema_not_current", hint="run `veza migrate`")
    DB_POOL.watch(backends.db.engine.pool)
    STORAGE_DISK.watch(
        backends.storage.root if isinstance(backends.storage, LocalStorage) else None
    )
    if tracing_active():
        instrument_engine(backends.db.engine)
    app.state.backends = backends
    log.info(
        "started", services=sorted(app.state.services), database=backends.db.engine.dialect.name
    )
    # Media workers run beside the stream service unless `veza worker` runs them apart.
    media_workers = None
    if settings.embedded_workers and "stream" in app.state.services:
        media_workers = MediaWorkers(backends)
        await media_workers.start()
    analytics_worker = None
    if "api" in app.state.services:
        analytics_worker = AnalyticsWorker(backends)
        await analytics_worker.start()
    reporter = None
    if app.state.services & {"chat", "stream"}:
        reporter = NodeReporter(backends.cache, lambda: node_counts(app))
        await reporter.start()
    try:
        yield
    finally:
        if reporter is not None:
            await reporter.stop()
        if analytics_worker is not None:
            await analytics_worker.stop()
        if media_workers is not None:
            await media_workers.stop()
        await backends.close()


def create_app(settings: Settings | None = None, services: Collection[str] = SERVICES) -> FastAPI:
    """The app for `services`; `/health`, `/ready` and `/metrics` are on every one."""
    settings = settings or get_settings()
    unknown = set(services) - set(SERVICES)
    if unknown:
        raise ValueError(f"unknown services: {', '.join(sorted(unknown))}")
    app = FastAPI(
        title="Veza",
        version=__version__,
        description="Music streaming and real-time chat.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.services = frozenset(services)
    app.state.recent_streams = RecentStreams()
    install_error_handlers(app)
    app.include_router(health_router)
    if "api" in services:
        for module in (auth, users, admin):
            app.include_router(module.router)
        app.include_router(auth_email_api.router)
        app.include_router(auth_mfa_api.router)
        app.include_router(auth_oauth_api.router)
        app.include_router(personal_tokens_api.router)
        app.include_router(rooms_api.router)
        app.include_router(messages_api.router)
        app.include_router(chat_admin.router)
        app.include_router(tracks_api.router)
        app.include_router(playlists_api.router)
        app.include_router(social_api.router)
        app.include_router(notifications_api.router)
        app.include_router(comments_api.router)
        app.include_router(feed_api.router)
        app.include_router(shares_api.router)
        for discovery in (plays_api, tags_api, search_api, recommendations_api):
            app.include_router(discovery.router)
        app.include_router(analytics_api.router)
    if "chat" in services:
        chat_endpoint.install(app)
    if "stream" in services:
        app.include_router(stream_routes.router)
    if set(services) == set(SERVICES):
        spa.install(app)

    app.add_middleware(ServerErrorRecorder, backends=lambda: app.state.backends)
    limits = body_limit_for(settings)
    default_limit = settings.max_json_body_kb * 1024
    app.add_middleware(
        BodySizeLimitMiddleware,
        limit_for=lambda path: limits.get(
            path, COVER_BODY_LIMIT if COVER_PATH.fullmatch(path) else default_limit
        ),
    )
    app.add_middleware(
        IPRateLimitMiddleware,
        limiter=lambda: app.state.backends.limiter,
        per_minute=settings.rate_limit_per_ip_per_minute,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
        )
    app.add_middleware(RequestContextMiddleware, metrics=settings.metrics_enabled)
    if tracing_active():
        instrument_app(app)
    return app
