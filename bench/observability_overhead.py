"""What metrics, logs and tracing cost: the same requests with each switched off and on.

One real `veza serve api` process per configuration (SQLite), all started at once and then
loaded in turn, round after round, so a busy moment on the shared machine hits every
configuration alike; the table gives the median of the rounds. Besides req/s it gives the
server's CPU time per request (from /proc), which a busy shared machine disturbs far less than
throughput. Configurations:

- off: no per-request metrics, warnings-only logs (no request line); no tracing, as always
  without `VEZA_OTLP_ENDPOINT`;
- metrics + logs: route-labelled HTTP metrics and one JSON line per request (the default);
- + tracing, OTLP export: every span recorded and sent to a local OTLP/HTTP receiver.

    python -m bench.observability_overhead [--seconds N] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import os
import statistics
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from bench import wrk
from bench.http_reads import sign_up
from bench.run import machine
from bench.server import Server, cpu_seconds, veza_server

LOGS = {"VEZA_LOG_LEVEL": "INFO", "VEZA_LOG_FORMAT": "json"}
CONFIGURATIONS = {
    "off": {"VEZA_METRICS_ENABLED": "false", "VEZA_LOG_LEVEL": "WARNING"},
    "metrics + logs": LOGS,
    "+ tracing, OTLP export": LOGS,  # the endpoint is added once the receiver listens
}
PATHS = {"GET auth/me": "/api/v1/auth/me", "GET users/{username}": "/api/v1/users/bench_user"}


class _Sink(http.server.BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and drops them."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def otlp_sink() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    results: dict[tuple[str, str], list[wrk.LoadResult]] = {}
    cpu_ms: dict[tuple[str, str], list[float]] = {}
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(otlp_sink())
        servers: dict[str, tuple[Server, dict[str, str]]] = {}
        for name, env in CONFIGURATIONS.items():
            env = {**env, "VEZA_OTLP_ENDPOINT": sink} if "OTLP" in name else env
            server = stack.enter_context(veza_server("api", **env))
            headers = {"Authorization": f"Bearer {sign_up(server)}"}
            for path in PATHS.values():  # warm-up
                wrk.run(server.url + path, connections=8, seconds=2, headers=headers)
            servers[name] = (server, headers)
        for _ in range(args.rounds):
            for name, (server, headers) in servers.items():
                for label, path in PATHS.items():
                    used = cpu_seconds(server.pid)
                    result = wrk.run(
                        server.url + path, connections=64, seconds=args.seconds, headers=headers
                    )
                    used = cpu_seconds(server.pid) - used
                    requests = result.requests_per_second * args.seconds
                    results.setdefault((name, label), []).append(result)
                    cpu_ms.setdefault((name, label), []).append(1000 * used / requests)
    load_after = os.getloadavg()

    print(f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}")
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)};")
    print(f"after: {', '.join(f'{x:.2f}' for x in load_after)}")
    print(f"`--seconds {args.seconds} --rounds {args.rounds}`, 64 connections, SQLite\n")
    print(
        "| request | configuration | req/s (median) | vs off | server CPU ms/request | vs off "
        "| p50 ms | p99 ms | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label in PATHS:
        baseline = statistics.median(r.requests_per_second for r in results[("off", label)])
        cpu_baseline = statistics.median(cpu_ms[("off", label)])
        for name in CONFIGURATIONS:
            runs = results[(name, label)]
            rps = statistics.median(r.requests_per_second for r in runs)
            change = (rps / baseline - 1) * 100
            cpu = statistics.median(cpu_ms[(name, label)])
            cpu_change = (cpu / cpu_baseline - 1) * 100
            errors = sum(r.non_2xx + r.errors for r in runs)
            p50 = statistics.median(r.p50_ms for r in runs)
            p99 = statistics.median(r.p99_ms for r in runs)
            print(
                f"| {label} | {name} | {rps:,.0f} | {change:+.1f} % | {cpu:.2f} | "
                f"{cpu_change:+.1f} % | {p50:.1f} | {p99:.1f} | {errors} |"
            )


if __name__ == "__main__":
    main()
