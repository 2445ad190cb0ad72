"""The process pool that runs the CPU-bound pipeline, so the event loop never blocks on media.

Processes are spawned (never forked from a process with threads and an event loop). Tasks
report progress through a queue handed to each process at start; a thread drains it into
the callbacks registered per job.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.queues
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from veza.core.media.pipeline import ProgressQueue, init_worker

T = TypeVar("T")
ProgressCallback = Callable[[str, float], None]  # (task, fraction done)


class MediaPool:
    """At most `workers` tasks at once, across every job of this process."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._queue: ProgressQueue = self._context.Queue()
        self._listeners: dict[str, tuple[asyncio.AbstractEventLoop, ProgressCallback]] = {}
        self._executor = self._new_executor()
        self._drain = threading.Thread(target=self._drain_progress, name="media-progress")
        self._drain.start()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=init_worker,
            initargs=(self._queue,),
        )

    def _drain_progress(self) -> None:
        while (item := self._queue.get()) is not None:
            job, task, fraction = item
            listener = self._listeners.get(job)
            if listener is not None:
                loop, callback = listener
                loop.call_soon_threadsafe(callback, task, fraction)

    def listen(self, job: str, callback: ProgressCallback) -> None:
        self._listeners[job] = (asyncio.get_running_loop(), callback)

    def forget(self, job: str) -> None:
        self._listeners.pop(job, None)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` in a worker process; a crashed pool is replaced for next time."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            if self._executor is executor:
                self._executor = self._new_executor()
            raise

    async def close(self) -> None:
        """Stop at once: waiting tasks are cancelled, running ones killed (their jobs re-run)."""
        # Python 3.11 has no public way to stop running tasks (3.14 adds terminate_workers).
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        await asyncio.to_thread(lambda: [process.join() for process in processes])
        self._queue.put(None)
        await asyncio.to_thread(self._drain.join)
        self._queue.close()
