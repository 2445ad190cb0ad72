"""Administration: users, roles, suspension, deletion, export, the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import AfterValidator, BaseModel, Field

from veza.api.deps import AdminPrincipal, BackendsDep, ClientDep, SessionDep, require_admin
from veza.api.schemas import Paged, UserMe
from veza.core.models import AuditEvent, Role, UserStatus
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import audit, users
from veza.core.text import check_plain_text

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512, description="From `next_cursor`.")]


def _reason(value: str) -> str:
    cleaned = check_plain_text(value, multiline=True)
    if not cleaned:
        raise ValueError("must not be blank")
    return cleaned


class RoleIn(BaseModel):
    role: Role


class SuspendIn(BaseModel):
    reason: Annotated[str, Field(max_length=500), AfterValidator(_reason)] = Field(
        description="Why; the audit log keeps it."
    )


class UserMePage(Paged):
    items: list[UserMe]


class AuditEventOut(BaseModel):
    id: uuid.UUID
    at: datetime
    event: str
    actor: str | None = Field(
        description="Who did it: a username, or null (nobody signed in, "
        "the operator's CLI, or a deleted user)."
    )
    target: str | None = Field(description="Whom it concerned: a username, or null.")
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]


class AuditPage(Paged):
    items: list[AuditEventOut]


@router.get("/users")
async def list_users(
    db: SessionDep,
    q: Annotated[str | None, Query(max_length=64, description="Username starts with.")] = None,
    role: Role | None = None,
    account_status: Annotated[UserStatus | None, Query(alias="status")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> UserMePage:
    """Every account, newest first, filtered by username prefix, role and status."""
    page = await users.list_users(
        db, prefix=q, role=role, status=account_status, limit=limit, cursor=cursor
    )
    return UserMePage(items=[UserMe.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.put("/users/{username}/role")
async def set_role(
    username: str,
    body: RoleIn,
    admin: AdminPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> UserMe:
    """Give someone another global role; it applies to their signed-in sessions at once.
    Nobody can change their own role."""
    user = await users.set_role(
        backends, db, actor_id=admin.user_id, username=username, role=body.role, client=client
    )
    return UserMe.of(user)


@router.post("/users/{username}/suspend")
async def suspend(
    username: str,
    body: SuspendIn,
    admin: AdminPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> UserMe:
    """Suspend an account: it cannot sign in, and every session ends at once."""
    user = await users.suspend(
        backends, db, actor_id=admin.user_id, username=username, reason=body.reason, client=client
    )
    return UserMe.of(user)


@router.post("/users/{username}/reinstate")
async def reinstate(
    username: str, admin: AdminPrincipal, db: SessionDep, client: ClientDep
) -> UserMe:
    """Lift a suspension; the user can sign in again."""
    user = await users.reinstate(db, actor_id=admin.user_id, username=username, client=client)
    return UserMe.of(user)


@router.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(
    username: str,
    admin: AdminPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> None:
    """Delete an account and its personal data (sessions, avatar). The audit log keeps its
    rows, without the user's addresses, and records the deletion."""
    await users.delete_user(backends, db, actor_id=admin.user_id, username=username, client=client)


@router.get("/users/{username}/export")
async def export_user(
    username: str, admin: AdminPrincipal, db: SessionDep, client: ClientDep
) -> dict[str, Any]:
    """Everything Veza keeps about a user, as JSON (the export is itself audited)."""
    user = await users.get_by_username(db, username)
    return await users.export_data(db, user, actor_id=admin.user_id, client=client)


@router.get("/audit")
async def list_audit_events(
    db: SessionDep,
    event: Annotated[
        str | None,
        Query(pattern=r"^[a-z0-9_.]{1,64}$", description="Exact name, e.g. auth.login_failed."),
    ] = None,
    username: Annotated[
        str | None, Query(max_length=64, description="Events by or about this user.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AuditPage:
    """The security audit log, newest first."""
    user_id = (await users.get_by_username(db, username)).id if username else None
    page = await audit.list_events(db, limit=limit, cursor=cursor, event=event, user_id=user_id)
    names = await users.usernames_by_id(
        db, [id_ for e in page.items for id_ in (e.actor_id, e.target_user_id)]
    )
    return AuditPage(items=[_audit_out(e, names) for e in page.items], next_cursor=page.next_cursor)


def _audit_out(event: AuditEvent, names: dict[uuid.UUID, str]) -> AuditEventOut:
    return AuditEventOut(
        id=event.id,
        at=event.at,
        event=event.event,
        actor=names.get(event.actor_id) if event.actor_id else None,
        target=names.get(event.target_user_id) if event.target_user_id else None,
        ip=event.ip,
        user_agent=event.user_agent,
        details=event.details,
    )
