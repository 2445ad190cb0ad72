"""The media storage contract: blobs under slash-separated keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol

from veza.core.errors import BadRequest

_KEY = re.compile(
    r"^[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*(?:/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*)*$"
)


def check_key(key: str) -> str:
    """Refuse keys that could leave the storage root (`..`, absolute paths, odd characters)."""
    if len(key) > 512 or not _KEY.fullmatch(key):  # match() would let "key\n" through
        raise BadRequest(f"invalid storage key {key!r}", code="invalid_storage_key")
    return key


class Storage(Protocol):
    """Where media lives: a local directory now, S3-compatible object storage when scaled.

    Contract (tests/core/test_storage_contract.py):
    - `write` is atomic: readers see the whole new object or none of it, and a failed write
      (an exception from the chunk source) leaves nothing behind;
    - keys are checked by `check_key`; nothing outside the root is ever reachable;
    - `delete_prefix` removes every object under `prefix/`.
    """

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> int: ...

    async def write_bytes(self, key: str, data: bytes) -> int: ...

    async def read_bytes(self, key: str) -> bytes: ...

    def iter_bytes(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]: ...

    async def size(self, key: str) -> int | None: ...

    async def delete(self, key: str) -> None: ...

    async def delete_prefix(self, prefix: str) -> int: ...

    async def usage_bytes(self) -> int: ...

    def local_path(self, key: str) -> Path | None: ...

    async def ping(self) -> None: ...
