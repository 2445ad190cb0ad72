"""Users: accounts made by operators, profiles, avatars, search, and administration."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, bindparam, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core import images
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from veza.core.images import AvatarSize
from veza.core.models import AuditEvent, AuthSession, Role, User, UserStatus
from veza.core.pagination import Page, keyset_page
from veza.core.security.passwords import check_password_policy
from veza.core.services import audit, sessions
from veza.core.services.accounts import USERNAME_PATTERN, normalize_email, normalize_username
from veza.core.services.audit import ClientInfo

# An export stays a download, not a dump: the newest rows of each kind, and says when cut.
EXPORT_MAX_ROWS = 10_000
# Allowlists, so a column added later (a secret, say) never reaches an export by accident.
PROFILE_FIELDS = (
    "id", "username", "email", "display_name", "bio", "links", "role", "status",
    "suspension_reason", "created_at", "updated_at", "email_verified_at",
    "password_changed_at", "suspended_at",
)  # fmt: skip
SESSION_FIELDS = (
    "id", "created_at", "last_used_at", "expires_at", "revoked_at", "revoked_reason", "ip",
    "user_agent", "method",
)  # fmt: skip
# Nobody is present for operator actions (the CLI), so their audit rows carry no address.
OPERATOR = ClientInfo()
# Built once: composing a SELECT of every User column costs more than running it (hot path).
_BY_USERNAME = select(User).where(User.username == bindparam("username"))


def parse_role(raw: str) -> Role:
    try:
        return Role(raw.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown role {raw!r}",
            code="invalid_role",
            details={"allowed": [role.value for role in Role]},
        ) from None


async def get_by_username(db: AsyncSession, username: str) -> User:
    """The user of that name, in any case. A name no account can have is not even looked up."""
    name = username.strip().lower()
    user = None
    if USERNAME_PATTERN.fullmatch(name):
        user = await db.scalar(_BY_USERNAME, {"username": name})
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


async def create_user(
    backends: Backends,
    db: AsyncSession,
    *,
    username: str,
    email: str,
    password: str,
    role: str = "user",
) -> User:
    """An account made by an operator, checked as registration checks it; nobody is signed in."""
    username = normalize_username(username)
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(str(exc), code="invalid_email", details={"field": "email"}) from None
    email_normalized = normalize_email(email)
    check_password_policy(password, username=username, email=email_normalized)
    user_role = parse_role(role)
    taken = await db.scalar(
        select(User.username).where(
            or_(User.username == username, User.email_normalized == email_normalized)
        )
    )
    if taken is not None:
        field = "username" if taken == username else "email"
        raise Conflict(
            f"that {field} is already taken", code=f"{field}_taken", details={"field": field}
        )
    user = User(
        username=username,
        email=email,
        email_normalized=email_normalized,
        password_hash=await backends.passwords.hash(password),
        display_name=username,
        role=user_role,
        password_changed_at=utcnow(),
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:  # lost a race with a concurrent registration
        await db.rollback()
        raise Conflict("that username or email is already taken", code="account_taken") from None
    audit.record(db, "user.created", OPERATOR, target_user_id=user.id, role=user_role.value)
    await db.commit()
    return user


async def _change_role(
    backends: Backends,
    db: AsyncSession,
    user: User,
    role: Role,
    client: ClientInfo,
    actor_id: uuid.UUID | None,
) -> User:
    """Set the role and make every live session of the user see it on its next request."""
    if user.role != role:
        old = user.role
        user.role = role
        audit.record(
            db,
            "user.role_changed",
            client,
            actor_id=actor_id,
            target_user_id=user.id,
            old=old.value,
            new=role.value,
        )
        await db.commit()
        # After the commit, so a concurrent request cannot cache the old role again.
        await sessions.forget_cached_user(backends, db, user.id)
    return user


async def set_role_by_operator(
    backends: Backends, db: AsyncSession, username: str, role: str
) -> User:
    """`veza user set-role`: whoever runs the CLI already controls the deployment."""
    user = await get_by_username(db, username)
    return await _change_role(backends, db, user, parse_role(role), OPERATOR, None)


async def set_role(
    backends: Backends,
    db: AsyncSession,
    *,
    actor_id: uuid.UUID,
    username: str,
    role: Role,
    client: ClientInfo,
) -> User:
    """An admin sets someone else's role; nobody changes their own."""
    user = await get_by_username(db, username)
    if user.id == actor_id:
        raise Forbidden("you cannot change your own role", code="cannot_change_own_role")
    return await _change_role(backends, db, user, role, client, actor_id)


async def update_profile(
    db: AsyncSession,
    user: User,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    links: list[dict[str, Any]] | None = None,
) -> User:
    """Change the given profile fields (already validated by the caller); None leaves one as is."""
    if display_name is not None:
        user.display_name = display_name
    if bio is not None:
        user.bio = bio
    if links is not None:
        user.links = links
    await db.commit()
    return user


def _by_prefix(query: Select[User], prefix: str | None) -> Select[User]:
    if not prefix:
        return query
    prefix = prefix.strip().lower()
    # Padded to the shortest length, a prefix is judged by the username rule too.
    if not USERNAME_PATTERN.fullmatch(prefix.ljust(3, "_")):
        return query.where(false())
    return query.where(User.username.startswith(prefix, autoescape=True))


async def search(
    db: AsyncSession, *, prefix: str | None, limit: int, cursor: str | None
) -> Page[User]:
    """Active users whose username starts with `prefix`, alphabetically."""
    query = _by_prefix(select(User).where(User.status == UserStatus.active), prefix)
    return await keyset_page(
        db, query, (User.username,), limit=limit, cursor=cursor, descending=False
    )


async def list_users(
    db: AsyncSession,
    *,
    prefix: str | None,
    role: Role | None,
    status: UserStatus | None,
    limit: int,
    cursor: str | None,
) -> Page[User]:
    """Every user, newest first, filtered for administrators."""
    query = _by_prefix(select(User), prefix)
    if role is not None:
        query = query.where(User.role == role)
    if status is not None:
        query = query.where(User.status == status)
    return await keyset_page(db, query, (User.created_at, User.id), limit=limit, cursor=cursor)


async def usernames_by_id(
    db: AsyncSession, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return dict(rows.all())


async def suspend(
    backends: Backends,
    db: AsyncSession,
    *,
    actor_id: uuid.UUID,
    username: str,
    reason: str,
    client: ClientInfo,
) -> User:
    """Stop an account: it cannot sign in, and its sessions end at once."""
    user = await get_by_username(db, username)
    if user.id == actor_id:
        raise Forbidden("you cannot suspend yourself", code="cannot_suspend_self")
    if user.status == UserStatus.suspended:
        raise Conflict("the account is already suspended", code="already_suspended")
    user.status = UserStatus.suspended
    user.suspended_at = utcnow()
    user.suspension_reason = reason
    revoked = await sessions.revoke_user_sessions(backends, db, user.id, reason="suspended")
    audit.record(
        db,
        "user.suspended",
        client,
        actor_id=actor_id,
        target_user_id=user.id,
        reason=reason,
        sessions_revoked=revoked,
    )
    await db.commit()
    return user


async def reinstate(
    db: AsyncSession, *, actor_id: uuid.UUID, username: str, client: ClientInfo
) -> User:
    """Lift a suspension; the user signs in again (their old sessions stay ended)."""
    user = await get_by_username(db, username)
    if user.status != UserStatus.suspended:
        raise Conflict("the account is not suspended", code="not_suspended")
    user.status = UserStatus.active
    user.suspended_at = None
    user.suspension_reason = None
    audit.record(db, "user.reinstated", client, actor_id=actor_id, target_user_id=user.id)
    await db.commit()
    return user


def _avatar_prefix(user_id: uuid.UUID) -> str:
    return f"avatars/{user_id}"


def avatar_version(avatar_key: str) -> str:
    """What `avatar_url` puts in `?v=`: it changes with every upload."""
    return avatar_key.rsplit("/", 1)[-1].split(".")[0]


def avatar_files(avatar_key: str) -> dict[AvatarSize, str]:
    """Every stored size of the avatar whose large file is `avatar_key`."""
    base = avatar_key.rsplit("-", 1)[0]
    return {size: f"{base}-{size.value}.webp" for size in AvatarSize}


async def _delete_files(backends: Backends, keys: Iterable[str]) -> None:
    for key in keys:
        await backends.storage.delete(key)


async def set_avatar(backends: Backends, db: AsyncSession, user: User, data: bytes) -> User:
    """Store a new avatar in every size, then drop the previous one's files."""
    rendered = await images.make_avatar(data)
    version = uuid.uuid4().hex
    files = {size: f"{_avatar_prefix(user.id)}/{version}-{size.value}.webp" for size in AvatarSize}
    previous = user.avatar_key
    try:
        for size, key in files.items():
            await backends.storage.write_bytes(key, rendered[size])
        user.avatar_key = files[AvatarSize.large]
        await db.commit()
    except BaseException:
        await _delete_files(backends, files.values())
        raise
    if previous is not None:
        await _delete_files(backends, avatar_files(previous).values())
    return user


async def remove_avatar(backends: Backends, db: AsyncSession, user: User) -> None:
    previous = user.avatar_key
    if previous is None:
        return
    user.avatar_key = None
    await db.commit()
    await _delete_files(backends, avatar_files(previous).values())


async def avatar_image(
    backends: Backends, db: AsyncSession, username: str, size: AvatarSize
) -> tuple[bytes, str]:
    """The avatar's WebP bytes in one size, and its version (for ETag and cache busting)."""
    user = await get_by_username(db, username)
    if user.avatar_key is not None:
        key = avatar_files(user.avatar_key)[size]
        if await backends.storage.size(key) is not None:
            return await backends.storage.read_bytes(key), avatar_version(user.avatar_key)
    raise NotFound("this user has no avatar", code="avatar_not_found")


async def delete_user(
    backends: Backends,
    db: AsyncSession,
    *,
    actor_id: uuid.UUID,
    username: str,
    client: ClientInfo,
) -> None:
    """Erase an account and its personal data. Audit rows stay, without the user's addresses;
    the database sets their user references to null."""
    user = await get_by_username(db, username)
    if user.id == actor_id:
        raise Forbidden("you cannot delete your own account here", code="cannot_delete_self")
    # Revoking first leaves tombstones in the cache, so live access tokens stop at once.
    await sessions.revoke_user_sessions(backends, db, user.id, reason="user_deleted")
    await db.execute(
        update(AuditEvent).where(AuditEvent.actor_id == user.id).values(ip=None, user_agent=None)
    )
    audit.record(db, "user.deleted", client, actor_id=actor_id, username=user.username)
    await db.delete(user)
    # Files go before the commit: if it fails, the account is still there to delete again.
    await backends.storage.delete_prefix(_avatar_prefix(user.id))
    await db.commit()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | enum.Enum):
        return str(value)
    return value


def _plain(row: object, fields: Iterable[str]) -> dict[str, Any]:
    """Column values as JSON-ready data."""
    return {name: _json_value(getattr(row, name)) for name in fields}


def _audit_entry(event: AuditEvent, user_id: uuid.UUID) -> dict[str, Any]:
    entry = _plain(event, ("id", "at", "event", "ip", "user_agent", "details"))
    entry["by_you"] = event.actor_id == user_id
    if not entry["by_you"]:  # someone else's address is not this user's data
        entry.update(ip=None, user_agent=None)
    return entry


async def export_data(
    db: AsyncSession, user: User, *, actor_id: uuid.UUID, client: ClientInfo
) -> dict[str, Any]:
    """Everything Veza keeps about a user, as JSON-ready data. Never secrets: no password or
    token hashes, and no other person's addresses from audit rows the user did not cause."""
    session_rows = list(
        await db.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user.id)
            .order_by(AuthSession.created_at.desc())
            .limit(EXPORT_MAX_ROWS + 1)
        )
    )
    audit_rows = list(
        await db.scalars(
            select(AuditEvent)
            .where((AuditEvent.actor_id == user.id) | (AuditEvent.target_user_id == user.id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(EXPORT_MAX_ROWS + 1)
        )
    )
    export = {
        "format": "veza-user-export/1",
        "exported_at": utcnow().isoformat(),
        "profile": {
            **_plain(user, PROFILE_FIELDS),
            "avatar_files": sorted(avatar_files(user.avatar_key).values())
            if user.avatar_key
            else [],
        },
        "sessions": [_plain(s, SESSION_FIELDS) for s in session_rows[:EXPORT_MAX_ROWS]],
        "audit_events": [_audit_entry(e, user.id) for e in audit_rows[:EXPORT_MAX_ROWS]],
        "truncated": len(session_rows) > EXPORT_MAX_ROWS or len(audit_rows) > EXPORT_MAX_ROWS,
    }
    audit.record(db, "user.exported", client, actor_id=actor_id, target_user_id=user.id)
    await db.commit()
    return export
