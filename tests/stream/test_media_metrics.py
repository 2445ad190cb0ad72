"""The pool's child processes report through the parent: one scrape shows every task."""

from __future__ import annotations

import httpx
from stream_helpers import Sample, sample, upload_ready

from conftest import Account
from prometheus_text import scrape
from veza.core.media import pipeline

__all__ = ["sample"]  # a fixture


async def test_processing_a_track_records_each_task_in_the_parent(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    before = await scrape(client)
    await upload_ready(client, hamlet, sample("flac", seconds=2.0))
    after = await scrape(client)
    for task in pipeline.TASKS:
        name = "veza_media_task_seconds_count"
        assert after.value(name, task=task) - before.value(name, task=task) == 1, task
    assert after.value("veza_jobs_queued") == 0
