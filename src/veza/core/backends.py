"""The shared kernel's backends, chosen by configuration URL and opened once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from veza.config import ConfigError, Settings
from veza.core.bus import Bus
from veza.core.bus_memory import MemoryBus
from veza.core.cache import Cache
from veza.core.cache_memory import MemoryCache
from veza.core.db import Database
from veza.core.mail.files import FileTransport
from veza.core.mail.transport import Outbox, Transport
from veza.core.media.queue import JobQueue
from veza.core.media.queue_db import DatabaseQueue
from veza.core.observability.instrumented import CountedCache, TracedBus
from veza.core.ratelimit import RateLimiter
from veza.core.search import kinds as _search_kinds  # noqa: F401  (index kept in step everywhere)
from veza.core.security.passwords import Passwords
from veza.core.security.tokens import AccessTokens
from veza.core.storage import Storage
from veza.core.storage_local import LocalStorage


@dataclass
class Backends:
    """Everything a request handler may need beyond its own arguments."""

    settings: Settings
    db: Database
    cache: Cache
    bus: Bus
    storage: Storage
    limiter: RateLimiter
    passwords: Passwords
    tokens: AccessTokens
    outbox: Outbox
    jobs: JobQueue

    async def close(self) -> None:
        await self.outbox.drain()
        await self.jobs.close()
        await self.bus.close()
        await self.cache.close()
        await self.db.close()


def open_storage(url: str) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.netloc + parsed.path))
    raise ConfigError(f"VEZA_STORAGE_URL: unsupported scheme {parsed.scheme!r} (use file://)")


async def open_cache(settings: Settings) -> Cache:
    if settings.redis_url is None:
        return CountedCache(MemoryCache())
    from veza.core.cache_redis import RedisCache

    return CountedCache(RedisCache(settings.redis_url, prefix=settings.redis_prefix))


def open_mail_transport(settings: Settings) -> Transport:
    """SMTP when VEZA_SMTP_URL is set, else .eml files under the data directory."""
    if settings.smtp_url:
        from veza.core.mail.smtp import SmtpTransport

        return SmtpTransport(settings.smtp_url)
    return FileTransport(settings.mail_dir or settings.data_dir / "mail")


async def open_bus(settings: Settings) -> Bus:
    if settings.nats_url is None:
        return TracedBus(MemoryBus(), "memory")
    from veza.core.bus_nats import NatsBus

    return TracedBus(await NatsBus.connect(settings.nats_url), "nats")


def open_job_queue(settings: Settings, db: Database, bus: Bus) -> JobQueue:
    """JetStream when NATS is configured, else the database queue; both keep rows in `db`."""
    rows = DatabaseQueue(db, bus, settings.job_lease_seconds)
    if settings.nats_url is None:
        return rows
    from veza.core.bus_nats import NatsBus
    from veza.core.media.queue_jetstream import JetStreamQueue

    nats = bus.inner if isinstance(bus, TracedBus) else bus  # the queue needs the raw client
    assert isinstance(nats, NatsBus)
    sweep = max(5.0, settings.job_lease_seconds / 2)
    return JetStreamQueue(nats.client, rows, stream=settings.jobs_stream, sweep_seconds=sweep)


async def open_backends(settings: Settings) -> Backends:
    """Connect to every configured backend (embedded ones when no URL is set)."""
    cache = await open_cache(settings)
    db = Database(settings.database_url)
    bus = await open_bus(settings)
    return Backends(
        settings=settings,
        db=db,
        cache=cache,
        bus=bus,
        jobs=open_job_queue(settings, db, bus),
        storage=open_storage(settings.storage_url),
        limiter=RateLimiter(cache, enabled=settings.rate_limit_enabled),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        ),
        tokens=AccessTokens(
            settings.signing_keys(),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        ),
        outbox=Outbox(open_mail_transport(settings)),
    )
