"""Tracks: upload, list, read, edit, delete, reprocess, and the signed playback contract."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep, get_optional_principal
from veza.core.images import COVER_MAX_BYTES
from veza.core.models import TrackStatus, Visibility
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import tags
from veza.core.services import tracks as service
from veza.core.services.sessions import Principal
from veza.core.text import check_plain_text

router = APIRouter(prefix="/api/v1/tracks", tags=["tracks"])
UPLOAD_CHUNK = 1024 * 1024


MaybePrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


class TrackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    title: str
    artist: str | None
    album: str | None
    album_artist: str | None
    track_number: int | None
    disc_number: int | None
    year: int | None
    genre: str | None
    visibility: Visibility
    downloadable: bool
    status: TrackStatus
    progress: int
    playable: bool = Field(
        description="Playback works (`GET /tracks/{id}/stream`): ready, or still processing "
        "with its first HLS rendition complete."
    )
    failure_reason: str | None
    original_filename: str
    duration: float
    sample_rate: int
    channels: int
    source_format: str
    source_codec: str
    source_lossless: bool
    size_bytes: int
    loudness_lufs: float | None
    true_peak_db: float | None
    gain_db: float | None
    has_cover: bool = Field(description="The file has embedded cover art.")
    cover_source: Literal["custom", "embedded"] | None = Field(
        description="The cover shown: uploaded by the owner, embedded in the file, or none."
    )
    play_count: int = Field(
        description="Plays that counted (30 s or half the track), owner's excluded."
    )
    listener_count: int = Field(description="Distinct listeners other than the owner.")
    listening_seconds: float = Field(description="Seconds listened by others, in total.")
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None


class TrackPage(BaseModel):
    items: list[TrackOut]
    next_cursor: str | None


def _plain(value: str | None) -> str | None:
    return None if value is None else check_plain_text(value) or None


class TrackPatch(BaseModel):
    """Only the fields sent are changed; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=200)
    artist: str | None = Field(None, max_length=200)
    album: str | None = Field(None, max_length=200)
    album_artist: str | None = Field(None, max_length=200)
    genre: str | None = Field(None, max_length=64)
    track_number: int | None = Field(None, ge=1, le=999)
    disc_number: int | None = Field(None, ge=1, le=99)
    year: int | None = Field(None, ge=1000, le=2100)
    visibility: Visibility | None = None
    downloadable: bool | None = None

    @field_validator("title", "artist", "album", "album_artist", "genre")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        return _plain(value)

    @model_validator(mode="after")
    def _required_stay(self) -> TrackPatch:
        for name in ("title", "visibility", "downloadable"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PlaybackOut(BaseModel):
    hls: str = Field(
        description="Signed URL of the HLS master playlist (AAC 64/128/256 kb/s); while the "
        "track is processing it lists only the renditions already complete."
    )
    progressive: dict[str, str] = Field(
        description="Signed URLs by format: mp3, aac, opus, flac (only those already made)."
    )
    waveform: str = Field(description="Signed URL of the waveform peaks (JSON).")
    covers: dict[str, str] = Field(description="Signed cover art URLs by size in pixels.")
    gain_db: float | None = Field(description="Gain to -14 LUFS without clipping.")
    duration: float
    expires_at: datetime | None
    complete: bool = Field(
        description="Every rendition is there (the track is ready). While false, ask again "
        "after the `track.progress` event with status `ready` for the full ladder."
    )


class DownloadOut(BaseModel):
    url: str = Field(description="Signed, short-lived link to the original file.")
    filename: str = Field(description="The name the file is saved under.")
    size_bytes: int
    expires_at: datetime


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(UPLOAD_CHUNK):
        yield chunk


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=TrackOut)
async def upload_track(
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    file: Annotated[UploadFile, File(description="MP3, AAC/M4A, Ogg, FLAC, WAV or AIFF.")],
    title: Annotated[str | None, Form(max_length=200), AfterValidator(_plain)] = None,
    visibility: Annotated[Visibility, Form()] = Visibility.public,
) -> Any:
    """Upload audio; it is identified by its content and queued for processing (202)."""
    item = service.Upload(
        filename=file.filename or "upload",
        chunks=_chunks(file),
        title=title,
        visibility=visibility,
    )
    return await service.upload(backends, db, principal.user_id, item)


@router.get("", response_model=TrackPage)
async def list_tracks(
    principal: MaybePrincipal,
    db: SessionDep,
    owner: uuid.UUID | None = None,
    genre: Annotated[str | None, Query(max_length=64)] = None,
    visibility: Visibility | None = None,
    tag: Annotated[
        str | None, Query(max_length=64, description="Only tracks with this tag.")
    ] = None,
    sort: service.Sort = "newest",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Any:
    """Public tracks; your own (any visibility or state) when `owner` is you. Never unlisted."""
    tag = tags.normalize(tag) if tag is not None else None
    where = service.TrackFilter(
        owner_id=owner, genre=genre, visibility=visibility, tag=tag, sort=sort
    )
    page = await service.list_tracks(db, principal, where, limit=limit, cursor=cursor)
    return TrackPage(
        items=[TrackOut.model_validate(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.get("/{track_id}", response_model=TrackOut)
async def get_track(track_id: uuid.UUID, principal: MaybePrincipal, db: SessionDep) -> Any:
    """One track; private ones exist only for their owner and admins."""
    return await service.get_visible(db, track_id, principal)


@router.patch("/{track_id}", response_model=TrackOut)
async def update_track(
    track_id: uuid.UUID, patch: TrackPatch, principal: CurrentPrincipal, db: SessionDep
) -> Any:
    """Edit metadata, visibility (public, unlisted, private) or whether it is downloadable."""
    track = await service.get_editable(db, track_id, principal)
    return await service.update_track(db, track, patch.changes())


@router.delete("/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_track(
    track_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> None:
    """Delete the track and every file made from it."""
    track = await service.get_editable(db, track_id, principal)
    await service.delete_track(backends, db, track)


@router.post("/{track_id}/reprocess", status_code=status.HTTP_202_ACCEPTED, response_model=TrackOut)
async def reprocess_track(
    track_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> Any:
    """Process the original again (after a failure, or to pick up pipeline improvements)."""
    track = await service.get_editable(db, track_id, principal)
    return await service.reprocess(backends, db, track)


@router.get("/{track_id}/stream", response_model=PlaybackOut)
async def stream_track(
    track_id: uuid.UUID, principal: MaybePrincipal, backends: BackendsDep, db: SessionDep
) -> Any:
    """Signed, expiring URLs for playing the track (HLS, progressive files, waveform)."""
    track = await service.get_visible(db, track_id, principal)
    return service.playback(backends, track)


@router.get("/{track_id}/download", response_model=DownloadOut)
async def download_track(
    track_id: uuid.UUID, principal: MaybePrincipal, backends: BackendsDep, db: SessionDep
) -> Any:
    """A signed link to the original upload, when the owner allows downloads (`downloadable`);
    the owner and admins always may. 403 `download_not_allowed` otherwise."""
    track = await service.get_visible(db, track_id, principal)
    return service.download(backends, track, principal)


@router.put("/{track_id}/cover", response_model=TrackOut)
async def put_cover(
    track_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF, at most 8 MB.")],
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
) -> Any:
    """Replace the cover: cropped square, stored at 600, 300 and 64 px as JPEG, with all
    metadata (EXIF, location, camera) removed. Owner (or admin) only."""
    track = await service.get_editable(db, track_id, principal)
    data = await file.read(COVER_MAX_BYTES + 1)
    return await service.set_cover(backends, db, track, data)


@router.delete("/{track_id}/cover", response_model=TrackOut)
async def delete_cover(
    track_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> Any:
    """Remove the uploaded cover; the art embedded in the file (if any) is shown again."""
    track = await service.get_editable(db, track_id, principal)
    return await service.remove_cover(backends, db, track)
