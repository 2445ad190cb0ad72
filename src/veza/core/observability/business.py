"""Business and security counters, in one place, each with a one-call helper.

Every label takes values from a short fixed set, so a counter never grows a series per user,
room or track. A helper given a value outside its set raises, which catches a mistake in a
test instead of letting the label set grow in production.
"""

from __future__ import annotations

from prometheus_client import Counter

# How a person signed in; the sign-in methods that exist or are planned.
LOGIN_METHODS = frozenset({"password", "magic_link", "oauth"})
MODERATION_ACTION_NAMES = frozenset(
    {
        "warned",
        "muted",
        "kicked",
        "banned",
        "unmuted",
        "unbanned",
        "global_banned",
        "global_unbanned",
    }
)

REGISTRATIONS = Counter("veza_registrations_total", "Accounts created.")
LOGINS = Counter("veza_logins_total", "Successful sign-ins, by method.", ["method"])
REFRESH_REUSE = Counter(
    "veza_refresh_token_reuse_total",
    "Spent refresh tokens presented again (each revokes its session: a stolen token is likely).",
)
UPLOADS = Counter("veza_uploads_total", "Tracks uploaded or imported and queued for processing.")
PLAYS = Counter(
    "veza_plays_total",
    "Plays reported, by whether they counted (past the threshold, not the owner's own).",
    ["counted"],
)
MESSAGES = Counter("veza_messages_total", "Chat messages stored.")
MODERATION_ACTIONS = Counter(
    "veza_moderation_actions_total", "Moderation actions taken, by action.", ["action"]
)


def _checked(value: str, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; add it to veza.core.observability.business")
    return value


def count_registration() -> None:
    REGISTRATIONS.inc()


def count_login(method: str) -> None:
    """One successful sign-in by `method` (password, magic_link, oauth)."""
    LOGINS.labels(method=_checked(method, LOGIN_METHODS, "login method")).inc()


def count_refresh_reuse() -> None:
    REFRESH_REUSE.inc()


def count_upload() -> None:
    UPLOADS.inc()


def count_play(*, counted: bool) -> None:
    PLAYS.labels(counted="true" if counted else "false").inc()


def count_message() -> None:
    MESSAGES.inc()


def count_moderation(action: str) -> None:
    """One moderation action (automatic or by a moderator), e.g. `muted` or `global_banned`."""
    MODERATION_ACTIONS.labels(
        action=_checked(action, MODERATION_ACTION_NAMES, "moderation action")
    ).inc()


# Series that exist from the first scrape, so rates and alerts see a 0 and not a gap.
for _method in LOGIN_METHODS:
    LOGINS.labels(method=_method)
for _counted in ("true", "false"):
    PLAYS.labels(counted=_counted)
