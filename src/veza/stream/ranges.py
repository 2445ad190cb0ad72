"""Conditional and range requests per RFC 9110 (sections 13 and 14), decided without I/O.

Policy: a Range header that is malformed, not in bytes, or guarded by a failing If-Range is
ignored (200 with the whole file), as the RFC allows. A single satisfiable range gets 206.
Several ranges are answered with the whole file (200) rather than multipart/byteranges:
players ask for one range at a time, and a full answer is always correct.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class Plan:
    status: int  # 200, 206, 304 or 416
    start: int = 0
    end: int = 0  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """Satisfiable (start, end) pairs, [] if none is satisfiable, None to ignore the header."""
    unit, equals, spec = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    ranges: list[tuple[int, int]] = []
    seen = False
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        seen = True
        first, dash, last = (s.strip() for s in part.partition("-"))
        if not dash:
            return None
        if first:
            if not _digits(first) or (last and not _digits(last)):
                return None
            start = int(first)
            if last and int(last) < start:
                return None
            if start < size:
                ranges.append((start, min(int(last), size - 1) if last else size - 1))
        else:
            if not _digits(last):
                return None
            if int(last) > 0 and size > 0:
                ranges.append((max(0, size - int(last)), size - 1))
    return ranges if seen else None


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def _not_modified(headers: Mapping[str, str], etag: str, last_modified: str) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:  # weak comparison; it overrides If-Modified-Since
        tags = _etags(if_none_match)
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _if_range_holds(value: str, etag: str, last_modified: str) -> bool:
    """Strong comparison: an entity tag equal to ours, or exactly our Last-Modified date."""
    value = value.strip()
    if value.startswith('"'):
        return value == etag and not etag.startswith("W/")
    return value == last_modified


def decide(
    method: str, headers: Mapping[str, str], size: int, etag: str, last_modified: str
) -> Plan:
    """What to answer for a GET or HEAD of a file with these validators."""
    if _not_modified(headers, etag, last_modified):
        return Plan(304)
    whole = Plan(200, 0, size - 1)
    header = headers.get("range")
    if header is None or method not in ("GET", "HEAD"):
        return whole
    if_range = headers.get("if-range")
    if if_range is not None and not _if_range_holds(if_range, etag, last_modified):
        return whole
    ranges = parse_range(header, size)
    if ranges is None or len(ranges) > 1:
        return whole
    if not ranges:
        return Plan(416)
    start, end = ranges[0]
    return Plan(206, start, end)
