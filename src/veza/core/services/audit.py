"""Recording and reading the security audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.models import AuditEvent
from veza.core.pagination import Page, keyset_page


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from, for sessions and the audit log."""

    ip: str | None = None
    user_agent: str | None = None


def record(
    db: AsyncSession,
    event: str,
    client: ClientInfo,
    *,
    actor_id: uuid.UUID | None = None,
    target_user_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (it commits with the action it records)."""
    row = AuditEvent(
        event=event,
        actor_id=actor_id,
        target_user_id=target_user_id,
        ip=client.ip,
        user_agent=(client.user_agent or "")[:512] or None,
        details=details,
    )
    db.add(row)
    return row


async def list_events(
    db: AsyncSession,
    *,
    limit: int,
    cursor: str | None = None,
    event: str | None = None,
    user_id: uuid.UUID | None = None,
) -> Page[AuditEvent]:
    """Newest first; filter by event name or by a user (as actor or target)."""
    query = select(AuditEvent)
    if event:
        query = query.where(AuditEvent.event == event)
    if user_id:
        query = query.where(
            (AuditEvent.actor_id == user_id) | (AuditEvent.target_user_id == user_id)
        )
    return await keyset_page(db, query, (AuditEvent.at, AuditEvent.id), limit=limit, cursor=cursor)
