"""Every table, re-exported so Alembic and services see one metadata."""

from veza.core.db import Base
from veza.core.models.audit import AuditEvent
from veza.core.models.session import AuthSession, RefreshToken
from veza.core.models.user import Role, User, UserStatus

__all__ = ["AuditEvent", "AuthSession", "Base", "RefreshToken", "Role", "User", "UserStatus"]
from veza.core.models.chat import (
    ChatBan,
    Message,
    MessageEdit,
    MessagePin,
    MessageReport,
    ProfanityMode,
    Reaction,
    Room,
    RoomInvite,
    RoomKind,
    RoomMember,
    RoomRole,
    UserBlock,
)

__all__ = [
    *__all__,
    "ChatBan",
    "Message",
    "MessageEdit",
    "MessagePin",
    "MessageReport",
    "ProfanityMode",
    "Reaction",
    "Room",
    "RoomInvite",
    "RoomKind",
    "RoomMember",
    "RoomRole",
    "UserBlock",
]
from veza.core.models.playlist import Playlist, PlaylistEditor, PlaylistItem
from veza.core.models.social import (
    Comment,
    Follow,
    Notification,
    NotificationPreference,
    PlaylistLike,
    ShareLink,
    TrackLike,
)

__all__ = [
    *__all__,
    "Comment",
    "Follow",
    "Notification",
    "NotificationPreference",
    "Playlist",
    "PlaylistEditor",
    "PlaylistItem",
    "PlaylistLike",
    "ShareLink",
    "TrackLike",
]
from veza.core.models.discovery import (
    Play,
    SearchDocument,
    TrackCooccurrence,
    TrackDislike,
    TrackListen,
)

__all__ = [*__all__, "Play", "SearchDocument", "TrackCooccurrence", "TrackDislike", "TrackListen"]
from veza.core.models.signin import (
    EmailToken,
    EmailTokenPurpose,
    OAuthIdentity,
    PersonalToken,
    RecoveryCode,
    TotpCredential,
)

__all__ = [
    *__all__,
    "EmailToken",
    "EmailTokenPurpose",
    "OAuthIdentity",
    "PersonalToken",
    "RecoveryCode",
    "TotpCredential",
]
from veza.core.models.analytics import AnalyticsEvent, AnalyticsRollup, AnalyticsUnique

__all__ = [*__all__, "AnalyticsEvent", "AnalyticsRollup", "AnalyticsUnique"]
from veza.core.models.track import JobStatus, MediaJob, Track, TrackStatus, TrackTag, Visibility

__all__ += ["JobStatus", "MediaJob", "Track", "TrackStatus", "TrackTag", "Visibility"]
