"""First load of the web app in Chromium: initial-route bytes (gzip) and time to interactive.

`python -m bench.web_first_load [--runs N]` starts `veza serve all`, opens `/` as a new visitor
(no cache; the app sends them to the sign-in page) and measures:
- the JavaScript, CSS and HTML the browser fetched for that first route, each gzipped (level 9)
  as a compressing proxy or CDN would send it (veza serve itself does not compress);
- time to interactive: from navigation start until the sign-in form is rendered and its
  button enabled (what a person can use), plus DOMContentLoaded and the load event.
Needs the built app (`make web`) and /usr/bin/chromium; runs the Python `playwright` package."""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
from datetime import UTC, datetime
from urllib.parse import urlparse

import httpx
from playwright.sync_api import sync_playwright

from bench.run import machine
from bench.server import veza_server

CHROMIUM = "/usr/bin/chromium"
TEXT_TYPES = (".js", ".css")


def first_route_bytes(base_url: str, paths: list[str]) -> tuple[int, int, list[str]]:
    raw = compressed = 0
    with httpx.Client(base_url=base_url) as http:
        for path in paths:
            body = http.get(path).content
            raw += len(body)
            compressed += len(gzip.compress(body, compresslevel=9))
    return raw, compressed, paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold loads to time")
    args = parser.parse_args()
    with veza_server("all") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        version = browser.version
        timings: list[dict[str, float]] = []
        paths: list[str] = []
        for _ in range(args.runs):
            context = browser.new_context()  # a new visitor: empty cache and storage
            page = context.new_page()
            page.goto(f"{server.url}/")
            page.get_by_role("button", name="Sign in").wait_for(state="visible")
            page.wait_for_function("!document.querySelector('button[type=submit]').disabled")
            timing = page.evaluate(
                """() => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  return {tti: performance.now(), dcl: nav.domContentLoadedEventEnd,
                          load: nav.loadEventEnd};
                }"""
            )
            timings.append(timing)
            resources = page.evaluate(
                "() => performance.getEntriesByType('resource').map(e => e.name)"
            )
            paths = ["/"] + [
                urlparse(url).path for url in resources if urlparse(url).path.endswith(TEXT_TYPES)
            ]
            context.close()
        browser.close()
        raw, compressed, fetched = first_route_bytes(server.url, sorted(set(paths)))
    load = os.getloadavg()[0]
    print(
        f"Run of {datetime.now(UTC):%Y-%m-%d} on {machine()}, Chromium {version}, "
        f"load average {load:.2f}\n"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| initial route, gzip -9 | {compressed / 1024:.1f} KiB ({raw / 1024:.1f} KiB raw) |")
    print(f"| files fetched | {', '.join(fetched)} |")
    for name, key in (
        ("time to interactive", "tti"),
        ("DOMContentLoaded", "dcl"),
        ("load event", "load"),
    ):
        values = [t[key] for t in timings]
        print(
            f"| {name} (median of {len(values)}, ms) | {statistics.median(values):.0f} "
            f"(min {min(values):.0f}, max {max(values):.0f}) |"
        )


if __name__ == "__main__":
    main()
