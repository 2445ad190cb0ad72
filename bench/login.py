"""Password hashing cost and login throughput with the configured argon2id parameters."""

from __future__ import annotations

import json
import time

from argon2 import PasswordHasher

from bench import wrk
from bench.http_reads import PASSWORD, sign_up
from bench.server import Server
from veza.config import Settings


def hash_seconds(rounds: int = 20) -> float:
    """Mean time of one argon2id hash with Veza's defaults, on one core."""
    defaults = Settings(env="test")
    hasher = PasswordHasher(
        time_cost=defaults.argon2_time_cost,
        memory_cost=defaults.argon2_memory_kib,
        parallelism=defaults.argon2_parallelism,
    )
    began = time.perf_counter()
    for _ in range(rounds):
        hasher.hash(PASSWORD)
    return (time.perf_counter() - began) / rounds


def measure(server: Server, *, seconds: int) -> wrk.LoadResult:
    sign_up(server, "login_user")
    body = json.dumps({"login": "login_user", "password": PASSWORD})
    lua = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return wrk.run(f"{server.url}/api/v1/auth/login", connections=16, seconds=seconds, lua=lua)
