"""Serving HLS segments at 256 concurrent connections: a real `veza serve` (one process) and
Debian's nginx (one worker process, started here on loopback) serving the same segment files
of one track, one after the other in the same run. wrk cycles through every segment of the
128 kb/s rendition (about 64 KB each); veza is asked through signed `/stream/<token>/` URLs.

    python -m bench.hls_serving [--seconds 10] [--connections 256] [--track-seconds 120]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import wrk
from bench.http_reads import sign_up
from bench.media import ProgressEvents, load_average, upload, write_flac
from bench.run import machine
from bench.server import free_port, veza_server

RENDITION = "hls/128"
NGINX_CONF = """
worker_processes 1;
user root;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ audio/mp4 m4s mp4; application/vnd.apple.mpegurl m3u8; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


@contextlib.contextmanager
def nginx(root: Path) -> Iterator[str]:
    """Debian's nginx serving `root` on a free loopback port; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="veza-nginx-") as prefix:
        port = free_port()
        conf = Path(prefix) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, root=root))
        process = subprocess.Popen(["nginx", "-p", prefix, "-c", str(conf)])
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("nginx did not start")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def cycling(paths: list[str]) -> str:
    """A wrk script sending each connection's requests round the segment paths."""
    return (
        f"local paths = {json.dumps(paths).replace('[', '{').replace(']', '}')}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )


def row(name: str, result: wrk.LoadResult) -> str:
    return (
        f"| {name} | {result.requests_per_second:,.0f} | {result.mib_per_second:,.1f} | "
        f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.non_2xx + result.errors} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--track-seconds", type=float, default=120.0)
    args = parser.parse_args()
    load_before = load_average()
    with (
        tempfile.TemporaryDirectory(prefix="veza-bench-audio-") as tmp,
        veza_server("all") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        token = sign_up(server)
        events = ProgressEvents(server.url, token)
        source = write_flac(Path(tmp) / "served.flac", args.track_seconds)
        track_id, _ = upload(client, token, source)
        events.wait({track_id})
        headers = {"Authorization": f"Bearer {token}"}
        master = client.get(f"/api/v1/tracks/{track_id}/stream", headers=headers).json()["hls"]
        base = master.rsplit("/", 1)[0]
        playlist = client.get(f"{base}/{RENDITION}/index.m3u8").text
        names = [line for line in playlist.splitlines() if line.endswith(".m4s")]
        assert server.data is not None
        public = server.data / "media" / "tracks" / track_id.replace("-", "") / "public"
        results = {}
        veza_paths = [f"{base}/{RENDITION}/{name}" for name in names]
        results["veza serve (1 process)"] = wrk.run(
            server.url + veza_paths[0],
            connections=args.connections,
            seconds=args.seconds,
            lua=cycling(veza_paths),
        )
        with nginx(public) as nginx_url:
            nginx_paths = [f"/{RENDITION}/{name}" for name in names]
            results["nginx (1 worker)"] = wrk.run(
                nginx_url + nginx_paths[0],
                connections=args.connections,
                seconds=args.seconds,
                lua=cycling(nginx_paths),
            )
    print(f"# hls_serving, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"{len(names)} segments, {args.connections} connections, {args.seconds} s each;")
    print(f"load average {load_before} at the start, {load_average()} at the end\n")
    print("| server | req/s | MB/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        print(row(name, result))


if __name__ == "__main__":
    main()
