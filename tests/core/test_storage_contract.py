"""The Storage contract for every implementation (LocalStorage now; S3 joins the params)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from veza.core.errors import BadRequest
from veza.core.storage import Storage
from veza.core.storage_local import LocalStorage

DATA = bytes(range(256)) * 2000  # 512,000 bytes: more than one read chunk


@pytest.fixture(params=["local"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return LocalStorage(tmp_path / "media")


async def chunks(*parts: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    """A chunk source, like an upload; `fail` breaks it after the parts, as a dropped client."""
    for part in parts:
        yield part
    if fail:
        raise ConnectionResetError("upload broke off")


async def read_range(storage: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.iter_bytes(key, start, end)])


async def test_write_then_read_round_trips(storage: Storage) -> None:
    assert await storage.write("tracks/1/source.flac", chunks(b"abc", b"", b"defg")) == 7
    assert await storage.read_bytes("tracks/1/source.flac") == b"abcdefg"
    assert await storage.size("tracks/1/source.flac") == 7
    assert await storage.write_bytes("tracks/1/source.flac", DATA) == len(DATA)
    assert await storage.read_bytes("tracks/1/source.flac") == DATA
    await storage.ping()


async def test_a_failed_write_leaves_nothing_behind(storage: Storage) -> None:
    with pytest.raises(ConnectionResetError):
        await storage.write("tracks/1/new.flac", chunks(b"half of it", fail=True))
    assert await storage.size("tracks/1/new.flac") is None
    assert await storage.usage_bytes() == 0  # no temporary object either


async def test_a_failed_write_keeps_the_previous_version(storage: Storage) -> None:
    await storage.write_bytes("tracks/1/cover.jpg", b"old")
    with pytest.raises(ConnectionResetError):
        await storage.write("tracks/1/cover.jpg", chunks(b"new", b"er", fail=True))
    assert await storage.read_bytes("tracks/1/cover.jpg") == b"old"
    assert await storage.usage_bytes() == len(b"old")
    path = storage.local_path("tracks/1/cover.jpg")
    if path is not None:  # and on disk, not even a hidden temporary file
        assert [entry.name for entry in path.parent.iterdir()] == ["cover.jpg"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (0, 0),
        (10, 19),
        (len(DATA) - 5, None),
        (262_100, 262_200),  # across a chunk boundary
        (500, len(DATA) + 1000),  # an end past the object stops at its last byte
        (len(DATA) - 1, len(DATA) - 1),
    ],
)
async def test_iter_bytes_yields_the_inclusive_range(
    storage: Storage, start: int, end: int | None
) -> None:
    await storage.write_bytes("tracks/1/a.mp3", DATA)
    expected = DATA[start:] if end is None else DATA[start : end + 1]
    assert await read_range(storage, "tracks/1/a.mp3", start, end) == expected


async def test_size_of_a_missing_key_is_none(storage: Storage) -> None:
    assert await storage.size("tracks/404/a.mp3") is None


async def test_delete_removes_one_object(storage: Storage) -> None:
    await storage.write_bytes("tracks/1/a.mp3", b"a")
    await storage.write_bytes("tracks/1/b.mp3", b"b")
    await storage.delete("tracks/1/a.mp3")
    await storage.delete("tracks/1/a.mp3")  # deleting what is gone is fine
    assert await storage.size("tracks/1/a.mp3") is None
    assert await storage.read_bytes("tracks/1/b.mp3") == b"b"


async def test_delete_prefix_removes_everything_under_it(storage: Storage) -> None:
    for key in ("tracks/1/a.mp3", "tracks/1/hls/0/seg1.ts", "tracks/10/a.mp3", "tracks/2/a.mp3"):
        await storage.write_bytes(key, b"x")
    assert await storage.delete_prefix("tracks/1") == 2
    assert await storage.size("tracks/1/a.mp3") is None
    assert await storage.size("tracks/1/hls/0/seg1.ts") is None
    assert await storage.size("tracks/10/a.mp3") == 1  # a sibling sharing the characters stays
    assert await storage.size("tracks/2/a.mp3") == 1
    assert await storage.delete_prefix("tracks/1") == 0


async def test_usage_bytes_adds_up_every_object(storage: Storage) -> None:
    assert await storage.usage_bytes() == 0
    await storage.write_bytes("tracks/1/a.mp3", b"12345")
    await storage.write_bytes("tracks/2/hls/b.ts", DATA)
    assert await storage.usage_bytes() == 5 + len(DATA)


BAD_KEYS = ["../x", "/abs", "a/../../b", "a\x00b", "", "a\n", "a//b", ".hidden", "a/", "a/./b"]
Operation = Callable[[Storage, str], Awaitable[object]]
OPERATIONS: dict[str, Operation] = {
    "write": lambda storage, key: storage.write(key, chunks(b"x")),
    "write_bytes": lambda storage, key: storage.write_bytes(key, b"x"),
    "read_bytes": lambda storage, key: storage.read_bytes(key),
    "iter_bytes": read_range,
    "size": lambda storage, key: storage.size(key),
    "delete": lambda storage, key: storage.delete(key),
    "delete_prefix": lambda storage, key: storage.delete_prefix(key),
}


@pytest.mark.parametrize("key", BAD_KEYS)
@pytest.mark.parametrize("operation", OPERATIONS)
async def test_keys_that_could_escape_are_refused(
    storage: Storage, tmp_path: Path, operation: str, key: str
) -> None:
    (tmp_path / "x").write_bytes(b"outside")
    with pytest.raises(BadRequest) as refused:
        await OPERATIONS[operation](storage, key)
    assert refused.value.code == "invalid_storage_key"
    assert (tmp_path / "x").read_bytes() == b"outside"
    assert await storage.usage_bytes() == 0
