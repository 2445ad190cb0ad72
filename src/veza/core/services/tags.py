"""Tags: owners label their tracks; listeners browse by tag and see which tags are trending."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.cache import Cache
from veza.core.db import utcnow
from veza.core.errors import InvalidInput
from veza.core.models import Play, Track, TrackStatus, TrackTag, Visibility
from veza.core.text import check_plain_text

MAX_TAGS = 10
MAX_TAG_CHARS = 32
TRENDING_TTL_SECONDS = 60
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    plays: int


def normalize(raw: str) -> str:
    """One spelling per tag: trimmed, single spaces, case-folded; refused if empty or too long."""
    try:
        tag = _SPACES.sub(" ", check_plain_text(raw)).casefold()
    except ValueError as exc:
        raise InvalidInput(f"tag {raw!r} {exc}", code="invalid_tag") from None
    tag = tag.lstrip("#").strip()
    if not tag or len(tag) > MAX_TAG_CHARS:
        raise InvalidInput(
            f"a tag has 1 to {MAX_TAG_CHARS} characters", code="invalid_tag", details={"tag": raw}
        )
    return tag


def normalize_all(raw: list[str]) -> list[str]:
    tags = list(dict.fromkeys(normalize(tag) for tag in raw))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags per track", code="too_many_tags")
    return tags


async def set_tags(db: AsyncSession, track: Track, raw: list[str]) -> Track:
    """Replace the track's tags (the search index follows in the same transaction)."""
    wanted = normalize_all(raw)
    for row in list(track.tag_rows):
        if row.tag not in wanted:
            track.tag_rows.remove(row)
    have = set(track.tags)
    track.tag_rows.extend(TrackTag(track_id=track.id, tag=tag) for tag in wanted if tag not in have)
    await db.commit()
    await db.refresh(track)
    return track


async def trending(cache: Cache, db: AsyncSession, *, days: int, limit: int) -> list[TagCount]:
    """Tags by counted plays of public tracks in the last `days`; cached for a minute."""
    key = f"trending-tags:{days}:{limit}"
    cached = await cache.get(key)
    if cached is not None:
        return [TagCount(tag, plays) for tag, plays in json.loads(cached)]
    since = utcnow() - timedelta(days=days)
    plays = func.count(Play.id).label("plays")
    rows = await db.execute(
        select(TrackTag.tag, plays)
        .join(Play, Play.track_id == TrackTag.track_id)
        .join(Track, Track.id == TrackTag.track_id)
        .where(
            Play.counted.is_(True),
            Play.created_at >= since,
            Track.visibility == Visibility.public,
            Track.status == TrackStatus.ready,
        )
        .group_by(TrackTag.tag)
        .order_by(plays.desc(), TrackTag.tag)
        .limit(limit)
    )
    found = [TagCount(tag, count) for tag, count in rows]
    await cache.set(key, json.dumps([[t.tag, t.plays] for t in found]), ttl=TRENDING_TTL_SECONDS)
    return found
