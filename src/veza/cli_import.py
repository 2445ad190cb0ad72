"""`veza import`: the progress display and report around the bulk import service."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from veza.config import Settings
from veza.core.backends import Backends, open_backends
from veza.core.media.runner import MediaWorkers
from veza.core.models import Visibility
from veza.core.services import track_import, users
from veza.core.services.track_import import ImportResult, Outcome

WAIT_POLL_SECONDS = 0.5


class _AmountColumn(ProgressColumn):
    """Bytes for reading tasks, a count for the processing task."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> Text:
        if task.fields.get("bytes", True):
            return self._bytes.render(task)
        return Text(f"{int(task.completed)}/{int(task.total or 0)} tracks")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        _AmountColumn(),
        TimeElapsedColumn(),
        console=console,
    )


async def run_import(
    settings: Settings,
    console: Console,
    directory: Path,
    username: str,
    visibility: Visibility,
    wait: bool,
) -> int:
    """Import `directory` for `username`, report every failure; returns how many failed."""
    backends = await open_backends(settings)
    workers: MediaWorkers | None = None
    try:
        async with backends.db.session() as db:
            owner_id = (await users.get_by_username(db, username)).id
        files = await asyncio.to_thread(track_import.find_audio, directory)
        if wait:  # started first, so processing overlaps with the rest of the import
            workers = MediaWorkers(backends)
            await workers.start()
        results: list[ImportResult] = []
        failures: list[tuple[str, str]] = []
        with _progress(console) as progress:
            sizes = [path.stat().st_size for path in files]
            overall = progress.add_task(f"overall: 0/{len(files)} files", total=sum(sizes))
            for done, (path, size) in enumerate(zip(files, sizes, strict=True), start=1):
                name = path.relative_to(directory).as_posix()
                current = progress.add_task(name, total=size)

                def advance(amount: int, task: TaskID = current) -> None:
                    progress.advance(task, amount)
                    progress.advance(overall, amount)

                result = await track_import.import_file(
                    backends, owner_id, path, visibility=visibility, advance=advance
                )
                progress.remove_task(current)
                progress.update(overall, description=f"overall: {done}/{len(files)} files")
                results.append(result)
                if result.outcome == Outcome.failed:
                    failures.append((name, result.reason or "failed"))
            if workers is not None:
                imported = [r for r in results if r.outcome == Outcome.imported]
                failures += await _wait(backends, progress, imported, directory)
        count = {outcome: sum(r.outcome == outcome for r in results) for outcome in Outcome}
        console.print(
            f"imported {count[Outcome.imported]}, skipped {count[Outcome.duplicate]} "
            f"duplicate(s), failed {len(failures)}, of {len(files)} audio file(s)"
        )
        if failures:
            _report(console, failures)
        return len(failures)
    finally:
        if workers is not None:
            await workers.stop()
        await backends.close()


async def _wait(
    backends: Backends, progress: Progress, imported: list[ImportResult], root: Path
) -> list[tuple[str, str]]:
    """Poll until every imported track is ready or failed; returns the failed ones."""
    names = {r.track_id: r.path.relative_to(root).as_posix() for r in imported if r.track_id}
    pending: list[uuid.UUID] = list(names)
    task = progress.add_task("processing", total=len(pending), bytes=False)
    failures: list[tuple[str, str]] = []
    while pending:
        done = await track_import.processing_outcomes(backends, pending)
        for track_id, reason in done.items():
            if reason is not None:
                failures.append((names[track_id], f"processing failed: {reason}"))
        pending = [track_id for track_id in pending if track_id not in done]
        progress.update(task, completed=len(names) - len(pending))
        if pending:
            await asyncio.sleep(WAIT_POLL_SECONDS)
    return failures


def _report(console: Console, failures: list[tuple[str, str]]) -> None:
    """One line per file, so a log or a grep gets the whole reason."""
    console.print("[red]failed:[/red]")
    for name, reason in failures:
        console.print(f"  {escape(name)}: {escape(reason)}")
