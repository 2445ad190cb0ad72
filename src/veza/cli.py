"""The `veza` command: serve, migrate, manage users, check a deployment."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from veza.config import ConfigError, Settings, load_settings
from veza.core import migrate as migrations
from veza.core.backends import open_backends
from veza.core.errors import VezaError
from veza.core.models import Visibility
from veza.core.observability.logging import configure_logging
from veza.core.observability.tracing import configure_tracing

app = typer.Typer(help="Veza: music streaming and real-time chat.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
# Never wrapped: an operator's log or a supervisor must get each reason on one line.
console = Console(stderr=True, soft_wrap=True)

DEFAULT_PORTS = {"all": 8080, "api": 8080, "chat": 3001, "stream": 3002}


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(1)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="all, api, chat or stream")] = "all",
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default by service).")] = None,
) -> None:
    """Run Veza: all services on one port, or one service alone for scale-out."""
    import uvicorn

    from veza.app import SERVICES, create_app

    if service not in DEFAULT_PORTS:
        raise _fail(f"unknown service {service!r}; choose all, api, chat or stream")
    settings = _settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format, service=service)
    configure_tracing(endpoint=settings.otlp_endpoint, service=service)
    services = SERVICES if service == "all" else (service,)
    uvicorn.run(
        create_app(settings, services),
        host=host,
        port=port or DEFAULT_PORTS[service],
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        log_config=None,
        access_log=False,  # RequestContextMiddleware logs each request, with its id
        server_header=False,
    )


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Jobs at once (default: VEZA_TRANSCODE_WORKERS)."),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve Prometheus /metrics on this port.")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface of the metrics port.")] = (
        "127.0.0.1"
    ),
) -> None:
    """Run the media workers alone (no HTTP); SIGTERM or SIGINT stops them cleanly."""
    from veza.cli_worker import run_worker

    settings = _settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format, service="worker")
    try:
        asyncio.run(run_worker(settings, concurrency, metrics_host, metrics_port))
    except OSError as exc:  # the metrics port is taken, or a backend is unreachable
        raise _fail(_one_line(exc)) from None


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (scaled deployments run this before serving)."""
    settings = _settings()

    async def run() -> tuple[str | None, str | None]:
        backends = await open_backends(settings)
        try:
            before = await migrations.current_revision(backends.db)
            await migrations.upgrade(backends.db)
            return before, await migrations.current_revision(backends.db)
        finally:
            await backends.close()

    before, after = asyncio.run(run())
    console.print(f"schema: {before or 'empty'} -> {after}")


@app.command()
def reindex() -> None:
    """Rebuild the search index from the data (after loading rows behind Veza's back)."""
    from veza.core.search.documents import reindex_all

    settings = _settings()

    async def run() -> int:
        backends = await open_backends(settings)
        try:
            async with backends.db.engine.begin() as connection:
                return await connection.run_sync(reindex_all)
        finally:
            await backends.close()

    console.print(f"search index rebuilt: {asyncio.run(run()):,} rows indexed")


def _read_password(username: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt(
        f"password for {username}", hide_input=True, confirmation_prompt=True
    )
    return password


@user_app.command("create")
def user_create(
    username: str,
    email: Annotated[str, typer.Option(help="The account's email address.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="Make the account an administrator.")
    ] = False,
) -> None:
    """Create an account; the password is prompted for, or read from standard input."""
    from veza.core.services import users as user_service

    settings = _settings()
    password = _read_password(username)

    async def run() -> str:
        backends = await open_backends(settings)
        try:
            async with backends.db.session() as db:
                user = await user_service.create_user(
                    backends,
                    db,
                    username=username,
                    email=email,
                    password=password,
                    role="admin" if admin else "user",
                )
                return f"created {user.username} ({user.role.value})"
        finally:
            await backends.close()

    try:
        console.print(asyncio.run(run()))
    except VezaError as exc:
        raise _fail(exc.message) from None


@user_app.command("set-role")
def user_set_role(
    username: str, role: Annotated[str, typer.Argument(help="user, moderator or admin")]
) -> None:
    """Change an account's global role."""
    from veza.core.services import users as user_service

    settings = _settings()

    async def run() -> str:
        backends = await open_backends(settings)
        try:
            async with backends.db.session() as db:
                user = await user_service.set_role_by_operator(backends, db, username, role)
                return f"{user.username} is now {user.role.value}"
        finally:
            await backends.close()

    try:
        console.print(asyncio.run(run()))
    except VezaError as exc:
        raise _fail(exc.message) from None


CheckRow = tuple[str, str, bool, str]


async def _check_backends(settings: Settings) -> list[CheckRow]:
    """Open and probe each backend on its own, so a failure names the one that failed."""
    from veza.core.backends import open_bus, open_cache, open_storage
    from veza.core.db import Database
    from veza.core.web.health import CHECK_TIMEOUT_SECONDS, ping_database, run_check

    targets = {
        "database": settings.database_url.split("@")[-1],
        "cache": (settings.redis_url or "in-process").split("@")[-1],
        "bus": (settings.nats_url or "in-process").split("@")[-1],
        "storage": settings.storage_url,
    }

    async def database() -> Database:
        database = Database(settings.database_url)
        path = database.engine.url.database
        if settings.is_sqlite and path and path != ":memory:":
            # Say so plainly (and spare aiosqlite a failed connect, which it reports late).
            directory = Path(path).parent
            if not directory.is_dir():
                await database.close()
                raise ConfigError(f"directory {directory} does not exist")
        return database

    async def storage() -> Any:
        return open_storage(settings.storage_url)

    openers: dict[str, Callable[[], Awaitable[Any]]] = {
        "database": database,
        "cache": lambda: open_cache(settings),
        "bus": lambda: open_bus(settings),
        "storage": storage,
    }
    opened: dict[str, Any] = {}
    timeout = CHECK_TIMEOUT_SECONDS
    rows: dict[str, CheckRow] = {}
    schema: CheckRow = ("schema", "", False, "database not reachable")
    try:
        for name, opener in openers.items():
            try:
                opened[name] = await asyncio.wait_for(opener(), timeout)
            except TimeoutError:
                rows[name] = (name, targets[name], False, f"no answer within {timeout:g} s")
            except Exception as exc:  # report, do not crash: this is the operator's diagnosis
                rows[name] = (name, targets[name], False, _one_line(exc))
        for name, backend in opened.items():
            probe = partial(ping_database, backend) if name == "database" else backend.ping
            result = await run_check(name, probe)
            detail = (result.error or "").strip().split("\n")[0] or f"{result.latency_ms} ms"
            rows[name] = (name, targets[name], result.ok, detail)
        if rows["database"][2]:
            head = migrations.head_revision()
            try:
                current = await migrations.current_revision(opened["database"])
            except Exception as exc:
                schema = ("schema", "", False, f"unreadable: {_one_line(exc)}")
            else:
                schema = (
                    "schema",
                    current or "empty",
                    current == head,
                    "current" if current == head else f"behind {head}: run `veza migrate`",
                )
    finally:
        for backend in opened.values():
            if hasattr(backend, "close"):
                await backend.close()
    return [rows[name] for name in targets] + [schema]


@app.command()
def check() -> None:
    """Validate the configuration and reach every configured backend."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        console.print(f"[red]configuration: FAILED[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None

    rows = [("configuration", settings.env, True, "valid"), *asyncio.run(_check_backends(settings))]
    table = Table(title="veza check")
    for column in ("check", "target", "status", "detail"):
        table.add_column(column)
    for name, target, ok, detail in rows:
        status = "[green]OK[/green]" if ok else "[red]FAILED[/red]"
        table.add_row(escape(name), escape(target), status, escape(detail))
    Console().print(table)
    if not all(ok for _, _, ok, _ in rows):
        raise typer.Exit(1)


@app.command("import")
def import_tracks(
    directory: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder to import, recursively.")
    ],
    user: Annotated[str, typer.Option("--user", help="Username that will own the tracks.")],
    visibility: Annotated[Visibility, typer.Option(help="Who may see the tracks.")] = (
        Visibility.public
    ),
    wait: Annotated[
        bool, typer.Option("--wait", help="Process the tracks here too, and wait until done.")
    ] = False,
) -> None:
    """Import a folder of music as one user's tracks, like uploads; duplicates are skipped."""
    from veza.cli_import import run_import

    settings = _settings()
    try:
        failed = asyncio.run(run_import(settings, console, directory, user, visibility, wait))
    except VezaError as exc:
        raise _fail(exc.message) from None
    if failed:
        raise typer.Exit(1)
