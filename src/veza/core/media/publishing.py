"""A processing run's outputs reach storage task by task, so a track plays before it is done.

Each finished task's directory is copied under `tracks/<id>/public/`. An HLS rendition's
segments and media playlist are stored before the master playlist is rewritten to list it,
so the master only ever names complete renditions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from veza.core.backends import Backends
from veza.core.media import layout
from veza.core.media.hls import Variant, write_master
from veza.core.media.pipeline import MASTER, master_rendition


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, 1024 * 1024):
            yield chunk


def _files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


class Outputs:
    """What one run has stored so far, and the renditions the track can announce."""

    def __init__(self, backends: Backends, track_id: uuid.UUID, workdir: Path) -> None:
        self.backends = backends
        self.track_id = track_id
        self.workdir = workdir
        self.variants: list[Variant] = []
        self.renditions: dict[str, Any] = {}
        self.analysis: dict[str, Any] | None = None
        self.stored = False

    async def _store(self, path: Path, name: str) -> None:
        key = layout.public_key(self.track_id, name)
        await self.backends.storage.write(key, _file_chunks(path))

    async def add(self, task: str, output: dict[str, Any]) -> None:
        """Store a finished task's files; an HLS rendition then joins the master playlist."""
        if not self.stored:  # the previous run's files go before this run's first
            await self.backends.storage.delete_prefix(layout.public_prefix(self.track_id))
            self.stored = True
        directory = self.workdir / task
        for path in await asyncio.to_thread(_files, directory):
            await self._store(path, path.relative_to(directory).as_posix())
        if "analysis" in output:
            self.analysis = output["analysis"]
        self.renditions.update(output.get("renditions", {}))
        if "variant" in output:
            self.variants.append(Variant(**output["variant"]))
            self.variants.sort(key=lambda variant: variant.bandwidth)
            master = self.workdir / MASTER
            await asyncio.to_thread(write_master, master, self.variants)
            await self._store(master, MASTER)
            self.renditions["hls"] = master_rendition(self.variants)

    async def remove(self) -> None:
        """Take this run's files away again (it failed or was stopped)."""
        if self.stored:
            await self.backends.storage.delete_prefix(layout.public_prefix(self.track_id))
