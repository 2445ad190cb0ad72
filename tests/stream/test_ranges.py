"""RFC 9110 range and conditional decisions, without I/O."""

from __future__ import annotations

import pytest

from veza.stream.ranges import Plan, decide, parse_range

SIZE = 1000
ETAG = '"3e8-1"'
MODIFIED = "Wed, 25 Nov 2026 06:00:00 GMT"


def plan(**headers: str) -> Plan:
    return decide("GET", {k.replace("_", "-"): v for k, v in headers.items()}, SIZE, ETAG, MODIFIED)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", [(0, 99)]),
        ("bytes=900-", [(900, 999)]),
        ("bytes=-100", [(900, 999)]),
        ("bytes=-5000", [(0, 999)]),
        ("bytes=990-5000", [(990, 999)]),
        ("BYTES = 1-2", [(1, 2)]),
        ("bytes=0-0,-1", [(0, 0), (999, 999)]),
        ("bytes=1000-", []),
        ("bytes=-0", []),
        ("bytes=5-2", None),
        ("bytes=a-b", None),
        ("bytes=--5", None),
        ("bytes=٣-٤", None),  # non-ASCII digits
        ("items=0-1", None),
        ("bytes", None),
        ("bytes=", None),
        ("bytes=1", None),
    ],
)
def test_parse_range(header: str, expected: list[tuple[int, int]] | None) -> None:
    assert parse_range(header, SIZE) == expected


def test_single_and_suffix_ranges_are_206() -> None:
    assert plan(range="bytes=10-19") == Plan(206, 10, 19)
    assert plan(range="bytes=-10") == Plan(206, 990, 999)


def test_no_satisfiable_range_is_416() -> None:
    assert plan(range="bytes=1000-1001").status == 416
    assert plan(range="bytes=2000-,3000-").status == 416


def test_malformed_and_multiple_ranges_get_the_whole_file() -> None:
    assert plan(range="bytes=9-1") == Plan(200, 0, 999)
    assert plan(range="pages=1-2") == Plan(200, 0, 999)
    assert plan(range="bytes=0-1,5-6") == Plan(200, 0, 999)


def test_if_range_with_our_validators_keeps_the_range() -> None:
    assert plan(range="bytes=0-9", if_range=ETAG).status == 206
    assert plan(range="bytes=0-9", if_range=MODIFIED).status == 206
    assert plan(range="bytes=0-9", if_range='"other"').status == 200
    assert plan(range="bytes=0-9", if_range=f"W/{ETAG}").status == 200  # weak never matches
    assert plan(range="bytes=0-9", if_range="Tue, 24 Nov 2026 06:00:00 GMT").status == 200


def test_if_none_match_and_if_modified_since() -> None:
    assert plan(if_none_match=ETAG).status == 304
    assert plan(if_none_match=f'"x", W/{ETAG}').status == 304
    assert plan(if_none_match="*").status == 304
    assert plan(if_none_match='"x"').status == 200
    assert plan(if_modified_since=MODIFIED).status == 304
    assert plan(if_modified_since="Tue, 24 Nov 2026 06:00:00 GMT").status == 200
    assert plan(if_modified_since="garbage").status == 200
    # If-None-Match wins over If-Modified-Since.
    assert plan(if_none_match='"x"', if_modified_since=MODIFIED).status == 200
