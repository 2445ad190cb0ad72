"""Tracks: upload, visibility rules, listing, editing, deletion, reprocessing, playback URLs."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core import images
from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from veza.core.media import jobs, layout
from veza.core.media.download import extension, safe_filename
from veza.core.media.errors import InvalidMedia, UnsupportedMedia
from veza.core.media.pipeline import MASTER, WAVEFORM
from veza.core.media.probe import SourceInfo, probe
from veza.core.media.progress import publish_progress
from veza.core.media.signing import DOWNLOAD_PURPOSE, StreamSigner
from veza.core.media.tags import clean_text, fallback_title
from veza.core.models import JobStatus, MediaJob, Track, TrackStatus, TrackTag, Visibility
from veza.core.observability import business
from veza.core.pagination import Page, keyset_page
from veza.core.services.sessions import Principal

Sort = Literal["newest", "most_played"]
EDITABLE = frozenset(
    {"title", "artist", "album", "album_artist", "track_number", "disc_number", "year", "genre"}
)


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    chunks: AsyncIterable[bytes]
    title: str | None = None
    visibility: Visibility = Visibility.public


def display_filename(raw: str | None) -> str:
    """The name as we show it: last path component, no control characters, bounded."""
    base = re.split(r"[\\/]", raw or "")[-1]
    return clean_text(base, limit=255) or "upload"


async def _counted(chunks: AsyncIterable[bytes], digest: Any, limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(
                f"the file is larger than {limit // (1024 * 1024)} MB",
                details={"limit_bytes": limit},
            )
        digest.update(chunk)
        yield chunk


async def _duplicate(db: AsyncSession, owner_id: uuid.UUID, sha256: str) -> Track | None:
    found: Track | None = await db.scalar(
        select(Track).where(Track.owner_id == owner_id, Track.sha256 == sha256)
    )
    return found


def _duplicate_error(track: Track) -> Conflict:
    return Conflict(
        f"you have already uploaded this file as “{track.title}”",
        code="duplicate_track",
        details={"track_id": str(track.id)},
    )


async def _identify(backends: Backends, key: str) -> SourceInfo:
    path = backends.storage.local_path(key)
    if path is None:
        raise RuntimeError("media storage without local files cannot probe uploads")
    try:
        return await asyncio.to_thread(probe, path, max_seconds=backends.settings.max_track_seconds)
    except UnsupportedMedia as exc:
        raise UnsupportedMediaType(exc.reason, code="unsupported_media") from None
    except InvalidMedia as exc:
        raise InvalidInput(exc.reason, code="invalid_media") from None


async def upload(backends: Backends, db: AsyncSession, owner_id: uuid.UUID, item: Upload) -> Track:
    """Store, hash and identify the file, then queue it; refused files leave nothing behind."""
    track_id = uuid.uuid4()
    key = layout.source_key(track_id)
    digest = hashlib.sha256()
    limit = backends.settings.max_upload_mb * 1024 * 1024
    try:
        size = await backends.storage.write(key, _counted(item.chunks, digest, limit))
        if size == 0:
            raise InvalidInput("the file is empty", code="invalid_media")
        existing = await _duplicate(db, owner_id, digest.hexdigest())
        if existing is not None:
            raise _duplicate_error(existing)
        info = await _identify(backends, key)
        filename = display_filename(item.filename)
        track = Track(
            id=track_id,
            owner_id=owner_id,
            title=clean_text(item.title) or fallback_title(filename),
            visibility=item.visibility,
            original_filename=filename,
            source_format=info.format,
            source_codec=info.codec,
            source_lossless=info.lossless,
            sha256=digest.hexdigest(),
            size_bytes=size,
            duration=info.duration,
            sample_rate=info.sample_rate,
            channels=info.channels,
            renditions={},
            tag_rows=[],  # loaded (empty), so the answer never has to fetch it
        )
        db.add(track)
        analytics.record(
            db,
            analytics.Kind.upload,
            user_id=owner_id,
            track_id=track_id,
            owner_id=owner_id,
            size_bytes=size,
        )
        await db.flush()
        job_id = await jobs.enqueue(db, track_id)
        try:
            await db.commit()
        except IntegrityError:  # the same file, uploaded twice at once
            await db.rollback()
            raced = await _duplicate(db, owner_id, digest.hexdigest())
            raise _duplicate_error(raced) if raced else Conflict("upload conflict") from None
    except BaseException:
        # The whole prefix: a local directory left empty is still a leftover.
        await backends.storage.delete_prefix(layout.track_prefix(track_id))
        raise
    business.count_upload()
    await publish_progress(backends.bus, track)
    await backends.jobs.submit(job_id)  # after the commit: a worker may take it at once
    return track


def can_see(track: Track, principal: Principal | None) -> bool:
    """Private tracks exist only for their owner and admins; the rest are reachable by id."""
    if track.visibility != Visibility.private:
        return True
    return principal is not None and (principal.is_admin or principal.user_id == track.owner_id)


def visible_clause(principal: Principal | None) -> ColumnElement[bool]:
    """`can_see` as SQL, for queries that reach tracks through other rows (playlists, likes)."""
    if principal is not None and principal.is_admin:
        return true()
    rule = Track.visibility != Visibility.private
    return rule if principal is None else or_(rule, Track.owner_id == principal.user_id)


def listed_clause(principal: Principal | None) -> ColumnElement[bool]:
    """What may appear in lists: public tracks, and the viewer's own (admins: all)."""
    if principal is not None and principal.is_admin:
        return true()
    rule = Track.visibility == Visibility.public
    return rule if principal is None else or_(rule, Track.owner_id == principal.user_id)


async def get_visible(db: AsyncSession, track_id: uuid.UUID, principal: Principal | None) -> Track:
    track = await db.get(Track, track_id)
    if track is None or not can_see(track, principal):
        raise NotFound("no such track", code="track_not_found")
    return track


async def get_editable(db: AsyncSession, track_id: uuid.UUID, principal: Principal) -> Track:
    """The track, if the caller owns it or is an admin (404 if they cannot even see it)."""
    track = await get_visible(db, track_id, principal)
    if not (principal.is_admin or principal.user_id == track.owner_id):
        raise Forbidden("only the track's owner can change it", code="not_track_owner")
    return track


@dataclass(frozen=True, slots=True)
class TrackFilter:
    owner_id: uuid.UUID | None = None
    genre: str | None = None
    visibility: Visibility | None = None
    tag: str | None = None
    sort: Sort = "newest"


def _listing(principal: Principal | None, where: TrackFilter) -> Select[Track]:
    """Others see public, ready tracks; owners (and admins) see all of their own, any state."""
    query = select(Track)
    sees_all = principal is not None and (
        principal.is_admin or (where.owner_id is not None and where.owner_id == principal.user_id)
    )
    if not sees_all:
        query = query.where(
            Track.visibility == Visibility.public, Track.status == TrackStatus.ready
        )
    if where.owner_id is not None:
        query = query.where(Track.owner_id == where.owner_id)
    if where.genre:
        query = query.where(Track.genre == where.genre)
    if where.visibility is not None:
        query = query.where(Track.visibility == where.visibility)
    if where.tag:
        tagged = select(TrackTag.track_id).where(TrackTag.tag == where.tag)
        query = query.where(Track.id.in_(tagged))
    return query


async def list_tracks(
    db: AsyncSession,
    principal: Principal | None,
    where: TrackFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Track]:
    columns = [Track.created_at if where.sort == "newest" else Track.play_count, Track.id]
    return await keyset_page(db, _listing(principal, where), columns, limit=limit, cursor=cursor)


async def update_track(db: AsyncSession, track: Track, changes: dict[str, Any]) -> Track:
    """Apply edits; edited metadata is no longer replaced by the file's tags on reprocessing."""
    for name, value in changes.items():
        setattr(track, name, value)
    if EDITABLE & changes.keys():
        track.metadata_edited = True
    await db.commit()
    return track


async def delete_track(backends: Backends, db: AsyncSession, track: Track) -> None:
    """Remove the rows (the job goes with the track) and then every stored file."""
    await db.delete(track)  # through the ORM, so the search index forgets it too
    await db.commit()
    await backends.storage.delete_prefix(layout.track_prefix(track.id))


async def reprocess(backends: Backends, db: AsyncSession, track: Track) -> Track:
    job = await db.scalar(select(MediaJob).where(MediaJob.track_id == track.id))
    if job is not None and job.status in (JobStatus.queued, JobStatus.running):
        raise Conflict("the track is already being processed", code="already_processing")
    job_id = await jobs.enqueue(db, track.id)
    track.status, track.progress, track.failure_reason = TrackStatus.uploaded, 0, None
    await db.commit()
    business.count_upload()
    await publish_progress(backends.bus, track)
    await backends.jobs.submit(job_id)
    return track


def cover_file(track: Track, size: int) -> str:
    """The stream file name of the cover shown: the uploaded one, else the embedded art."""
    if track.custom_cover:
        return layout.cover_name(track.custom_cover, size)
    return f"cover_{size}.jpg"


async def _delete_cover(backends: Backends, track_id: uuid.UUID, cover_id: str) -> None:
    for size in images.COVER_SIZES:
        await backends.storage.delete(layout.cover_key(track_id, cover_id, size))


async def set_cover(backends: Backends, db: AsyncSession, track: Track, data: bytes) -> Track:
    """Store an uploaded cover in every size, then drop the previous uploaded one's files.

    Each cover gets a new id, so its URLs never change content and caches stay correct.
    """
    rendered = await images.make_cover(data)
    cover_id = uuid.uuid4().hex[:16]
    previous = track.custom_cover
    try:
        for size, jpeg in rendered.items():
            await backends.storage.write_bytes(layout.cover_key(track.id, cover_id, size), jpeg)
        track.custom_cover = cover_id
        await db.commit()
    except BaseException:
        await _delete_cover(backends, track.id, cover_id)
        raise
    if previous:
        await _delete_cover(backends, track.id, previous)
    return track


async def remove_cover(backends: Backends, db: AsyncSession, track: Track) -> Track:
    """Back to the art embedded in the file, if it has any."""
    previous = track.custom_cover
    if previous:
        track.custom_cover = None
        await db.commit()
        await _delete_cover(backends, track.id, previous)
    return track


def _signed_base(backends: Backends, track_id: uuid.UUID) -> tuple[str, datetime | None]:
    signer = StreamSigner(backends.settings.signing_keys())
    token = signer.issue(track_id, ttl_seconds=backends.settings.stream_url_ttl_seconds)
    return f"/stream/{token}", signer.verify(token).expires_at


def _covers(base: str, track: Track) -> dict[str, str]:
    if track.cover_source is None:
        return {}
    return {str(size): f"{base}/{cover_file(track, size)}" for size in images.COVER_SIZES}


def cover_urls(backends: Backends, track: Track) -> dict[str, str]:
    """Signed cover art URLs by size (empty without art), e.g. for a playlist's cover."""
    return _covers(_signed_base(backends, track.id)[0], track)


@dataclass(frozen=True, slots=True)
class Playback:
    hls: str
    progressive: dict[str, str]
    waveform: str
    covers: dict[str, str] = field(default_factory=dict)
    gain_db: float | None = None
    duration: float = 0.0
    expires_at: datetime | None = None
    complete: bool = True


def playback(backends: Backends, track: Track) -> Playback:
    """Signed URLs of everything the player needs; they all expire together. A track still
    processing is playable once its first HLS rendition is stored: then only what is
    stored is offered (`complete` false)."""
    if not track.playable:
        state = track.status.value
        raise Conflict(f"the track is {state}, not playable yet", code="track_not_ready")
    base, expires_at = _signed_base(backends, track.id)
    progressive = {
        name: f"{base}/{info['file']}"
        for name, info in track.renditions.items()
        if name in ("mp3", "aac", "opus", "flac")
    }
    covers = _covers(base, track)
    return Playback(
        hls=f"{base}/{MASTER}",
        progressive=progressive,
        waveform=f"{base}/{WAVEFORM}",
        covers=covers,
        gain_db=track.gain_db,
        duration=track.duration,
        expires_at=expires_at,
        complete=track.status == TrackStatus.ready,
    )


# Download links are short-lived, so their expiry is rounded to the minute, not the hour.
DOWNLOAD_EXPIRY_STEP_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Download:
    url: str
    filename: str
    size_bytes: int
    expires_at: datetime


def download(backends: Backends, track: Track, principal: Principal | None) -> Download:
    """A signed, short-lived link to the original, if its owner allows downloads (the owner
    and admins always may). The caller has already checked that the track is visible."""
    manages = principal is not None and (principal.is_admin or principal.user_id == track.owner_id)
    if not (track.downloadable or manages):
        raise Forbidden(
            "the owner does not allow downloading this track", code="download_not_allowed"
        )
    signer = StreamSigner(
        backends.settings.signing_keys(),
        purpose=DOWNLOAD_PURPOSE,
        expiry_step=DOWNLOAD_EXPIRY_STEP_SECONDS,
    )
    token = signer.issue(track.id, ttl_seconds=backends.settings.download_url_ttl_seconds)
    name = safe_filename(
        track.original_filename, extension(track.source_format, track.source_codec)
    )
    return Download(
        url=f"/stream/original/{token}/{quote(name, safe='')}",
        filename=name,
        size_bytes=track.size_bytes,
        expires_at=signer.verify(token).expires_at,
    )
