"""Run wrk (Debian's package) and read its numbers."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_BYTES = {"B": 1 / 2**20, "KB": 1 / 2**10, "MB": 1.0, "GB": 2**10}


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    mib_per_second: float = 0.0
    requests: int = 0
    server_cpu_ms: float | None = None  # server CPU time per request, if its pid was given


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    if not match:
        raise ValueError(f"unreadable latency {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", output)
    return LoadResult(
        rps,
        p50,
        p99,
        int(non_2xx.group(1)) if non_2xx else 0,
        sum(int(g) for g in errors.groups()) if errors else 0,
        float(transfer.group(1)) * _BYTES[transfer.group(2)] if transfer else 0.0,
        int(requests.group(1)) if requests else 0,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    url: str,
    *,
    connections: int = 64,
    seconds: int = 10,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    lua: str = "",
    rate: int | None = None,
    server_pid: int | None = None,
) -> LoadResult:
    """Closed-loop load, or paced to about `rate` req/s in all (each connection waits
    connections/rate seconds between requests, through wrk's Lua `delay` hook)."""
    if rate is not None:
        lua += f"\nfunction delay() return {1000 * connections / rate:.3f} end\n"
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as tmp:
        if lua:
            script = Path(tmp) / "script.lua"
            script.write_text(lua)
            command += ["-s", str(script)]
        cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        result = parse(output)
        if server_pid and result.requests:
            cpu_ms = (cpu_seconds(server_pid) - cpu_before) * 1000 / result.requests
            result = dataclasses.replace(result, server_cpu_ms=cpu_ms)
    return result
