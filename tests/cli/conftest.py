"""Fixtures for the `veza` command: a private data directory and a runner bound to it."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from veza.cli import app

# Cheap hashing; bench/ measures the production parameters.
FAST_ARGON2_ENV = {"VEZA_ARGON2_TIME_COST": "1", "VEZA_ARGON2_MEMORY_KIB": "64"}


@dataclass
class CliEnv:
    """Where one test's Veza keeps its state, and the environment that says so."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.root / "var" / "veza.db"

    @property
    def media_dir(self) -> Path:
        return self.root / "var" / "media"

    def process_env(self, **extra: str) -> dict[str, str]:
        """A full environment for a child process: this one's, minus stray VEZA_* settings."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("VEZA_")}
        return {**base, **self.env, **extra}


def veza_env(root: Path, env: str = "test") -> dict[str, str]:
    data = root / "var"
    return {
        "VEZA_ENV": env,
        "VEZA_DATA_DIR": str(data),
        "VEZA_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'veza.db'}",
        "VEZA_STORAGE_URL": f"file://{data / 'media'}",
        **FAST_ARGON2_ENV,
    }


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliEnv:
    """A clean VEZA_* environment pointing at a temporary SQLite database; cwd is the temp dir
    so that no `.env` file and no `./var` of the checkout is ever read."""
    for name in list(os.environ):
        if name.startswith("VEZA_") and not name.startswith("VEZA_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    values = veza_env(tmp_path)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return CliEnv(tmp_path, values)


Invoke = Callable[..., Result]


@pytest.fixture
def veza(cli_env: CliEnv) -> Invoke:
    """Run `veza ARGS...` in-process; `input` feeds standard input, `env` adds variables."""
    runner = CliRunner()

    def invoke(
        *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
