"""Helpers for analytics tests: apply what is pending, read a dashboard, reset the rollups."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, update

from conftest import Account
from veza.core.analytics import rollups
from veza.core.models import AnalyticsEvent, AnalyticsRollup, AnalyticsUnique


async def drain(app: FastAPI) -> None:
    """Apply every pending event now (the background worker would, within a sweep)."""
    async with app.state.backends.db.session() as db:
        await rollups.apply_pending(db)


async def dashboard(
    http: httpx.AsyncClient, account: Account, path: str, **params: Any
) -> dict[str, Any]:
    response = await http.get(f"/api/v1/analytics/{path}", params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def forget_rollups(app: FastAPI) -> None:
    """Empty the rollups and mark every event unapplied, as if none had been delivered yet."""
    async with app.state.backends.db.session() as db:
        await db.execute(delete(AnalyticsRollup))
        await db.execute(delete(AnalyticsUnique))
        await db.execute(update(AnalyticsEvent).values(applied_at=None))
        await db.commit()
