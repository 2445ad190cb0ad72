"""Raw events older than VEZA_ANALYTICS_RETENTION_DAYS go; rollups and pending events stay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import Stack, _empty_tables, make_settings
from veza.config import ConfigError, load_settings
from veza.core.analytics import queries, rollups, worker
from veza.core.analytics.events import Kind, record
from veza.core.backends import Backends, open_backends
from veza.core.db import utcnow
from veza.core.models import AnalyticsEvent


@pytest.fixture
async def backends(stack: Stack, tmp_path: Path) -> AsyncIterator[Backends]:
    """Backends without a running app: no background worker applies events behind the test."""
    opened = await open_backends(make_settings(stack, tmp_path / "media"))
    yield opened
    await _empty_tables(opened.db)
    await opened.close()


async def _play(backends: Backends, days_ago: int, track: uuid.UUID, *, apply: bool) -> None:
    async with backends.db.session() as db:
        event = record(
            db,
            Kind.play,
            occurred_at=utcnow() - timedelta(days=days_ago),
            user_id=uuid.uuid4(),
            track_id=track,
            owner_id=uuid.uuid4(),
            listened_ms=60_000,
            counted=True,
        )
        await db.commit()
        if apply:
            await rollups.apply(db, [event.id])


async def _track_numbers(backends: Backends, track: uuid.UUID) -> dict[str, object]:
    today = utcnow().date()
    span = queries.period(today - timedelta(days=365), today, "day", today)
    async with backends.db.session() as db:
        return await queries.plays(db, "track", track, span)


async def _raw_count(backends: Backends) -> int:
    async with backends.db.session() as db:
        return int(await db.scalar(select(func.count()).select_from(AnalyticsEvent)) or 0)


async def test_pruning_deletes_old_applied_events_and_keeps_the_rollups(
    backends: Backends,
) -> None:
    track = uuid.uuid4()
    await _play(backends, 100, track, apply=True)  # old: goes
    await _play(backends, 100, track, apply=False)  # old but not counted yet: stays
    await _play(backends, 10, track, apply=True)  # recent: stays
    before = await _track_numbers(backends, track)
    assert before["totals"]["plays"] == 2  # type: ignore[index]

    assert backends.settings.analytics_retention_days == 90
    assert await worker.prune(backends) == 1
    assert await _raw_count(backends) == 2
    assert await _track_numbers(backends, track) == before

    assert await worker.apply_pending(backends) == 1
    assert (await _track_numbers(backends, track))["totals"]["plays"] == 3  # type: ignore[index]
    assert await worker.prune(backends) == 1
    assert await worker.prune(backends) == 0
    assert await _raw_count(backends) == 1


async def test_a_longer_retention_keeps_more(stack: Stack, tmp_path: Path) -> None:
    settings = make_settings(stack, tmp_path / "media", analytics_retention_days=365)
    opened = await open_backends(settings)
    try:
        await _play(opened, 100, uuid.uuid4(), apply=True)
        assert await worker.prune(opened) == 0
    finally:
        await _empty_tables(opened.db)
        await opened.close()


@pytest.mark.parametrize("days", ["0", "-3", "ninety", "100000"])
def test_a_bad_retention_setting_refuses_to_start(days: str) -> None:
    with pytest.raises(ConfigError, match="VEZA_ANALYTICS_RETENTION_DAYS"):
        load_settings(env="test", analytics_retention_days=days)
