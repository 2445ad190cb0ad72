"""Media storage in a local directory (the embedded default)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from veza.core.storage import check_key

_CHUNK = 256 * 1024


class LocalStorage:
    """Files under one root; writes go to a temporary name and are renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # belt and braces after check_key
            raise ValueError("storage key escapes the root")
        return path

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        written = 0
        try:
            with temporary.open("wb") as handle:
                async for chunk in chunks:
                    handle.write(chunk)
                    written += len(chunk)
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return written

    async def write_bytes(self, key: str, data: bytes) -> int:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.write(key, one())

    async def read_bytes(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def iter_bytes(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """Bytes `start` to `end` inclusive (the whole file by default)."""
        path = self._path(key)
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = (end - start + 1) if end is not None else None
            while remaining is None or remaining > 0:
                size = _CHUNK if remaining is None else min(_CHUNK, remaining)
                chunk = await asyncio.to_thread(handle.read, size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def delete_prefix(self, prefix: str) -> int:
        directory = self._path(prefix)
        if not directory.is_dir():
            return 0
        count = sum(1 for p in directory.rglob("*") if p.is_file())
        await asyncio.to_thread(shutil.rmtree, directory, True)
        return count

    async def usage_bytes(self) -> int:
        def total() -> int:
            # Files and directories may vanish during the walk (a write's temporary file is
            # renamed, a track deleted): os.walk skips such directories, and so do we files.
            size = 0
            for directory, _, names in os.walk(self.root):
                for name in names:
                    with contextlib.suppress(FileNotFoundError):
                        size += os.stat(os.path.join(directory, name)).st_size
            return size

        return await asyncio.to_thread(total)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def ping(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise OSError(f"media directory {self.root} is not writable")
