"""`veza import`: a folder tree through the upload service; duplicates skipped, every failure
listed with its reason, the rest imported; `--wait` processes them until playable."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sample_audio import tag, write_audio
from sqlalchemy import select

from cli.conftest import CliEnv, Invoke, cli_env, veza
from conftest import PASSWORD, Stack, _empty_tables, drop_job_stream
from veza.config import load_settings
from veza.core.db import Database
from veza.core.models import MediaJob, Track, User

__all__ = ["cli_env", "veza"]


@pytest.fixture
def importer(
    stack: Stack, cli_env: CliEnv, veza: Invoke, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated database (of the stack) with the user `hamlet`; yields the database URL."""
    url = cli_env.env["VEZA_DATABASE_URL"]
    if stack.name == "scaled":
        url = stack.database_url
        scaled = {
            "VEZA_DATABASE_URL": url,
            "VEZA_REDIS_URL": stack.redis_url or "",
            "VEZA_REDIS_PREFIX": f"veza-test-{uuid.uuid4().hex[:12]}:",
            "VEZA_NATS_URL": stack.nats_url or "",
            "VEZA_JOBS_STREAM": f"VEZA_TEST_JOBS_{uuid.uuid4().hex[:12]}",
        }
        for name, value in scaled.items():
            monkeypatch.setenv(name, value)
    assert veza("migrate").exit_code == 0
    created = veza("user", "create", "hamlet", "--email", "hamlet@example.org", input=PASSWORD)
    assert created.exit_code == 0, created.output
    yield url
    if stack.name == "scaled":
        asyncio.run(_emptied(url))
        asyncio.run(drop_job_stream(load_settings()))


async def _emptied(url: str) -> None:
    database = Database(url)
    try:
        await _empty_tables(database)
    finally:
        await database.close()


def tracks_in(url: str) -> list[dict[str, Any]]:
    """Every track with its owner's name and its job's status, read straight from the database."""

    async def read() -> list[dict[str, Any]]:
        database = Database(url)
        try:
            async with database.session() as db:
                rows = await db.execute(
                    select(Track, User.username, MediaJob.status)
                    .join(User, User.id == Track.owner_id)
                    .join(MediaJob, MediaJob.track_id == Track.id)
                )
                return [
                    {
                        "id": track.id,
                        "title": track.title,
                        "filename": track.original_filename,
                        "owner": owner,
                        "visibility": track.visibility.value,
                        "status": track.status.value,
                        "job": job.value,
                    }
                    for track, owner, job in rows
                ]
        finally:
            await database.close()

    return asyncio.run(read())


def music_tree(root: Path) -> Path:
    """Nested folders: three good files, a copy of one, a text file and an empty file posing
    as audio, and things that are not picked (a cover, a hidden folder)."""
    (root / "album" / "disc 1").mkdir(parents=True)
    (root / "album" / "deep" / "er").mkdir(parents=True)
    (root / "bad").mkdir()
    (root / "copies").mkdir()
    (root / ".hidden").mkdir()
    write_audio(root, "wav", seconds=1.5, name="loose.wav")
    tagged = write_audio(root / "album" / "disc 1", "mp3", seconds=1.5, name="Étude ♪ 1.mp3")
    tag(tagged, {"title": "Étude", "artist": "Фредерик 🎹"})
    write_audio(root / "album" / "deep" / "er", "flac", seconds=1.5, name="deep.FLAC")
    shutil.copy(root / "loose.wav", root / "copies" / "same bytes.wav")
    (root / "bad" / "notes.mp3").write_text("these are my lyrics, not a song\n" * 20)
    (root / "bad" / "empty.flac").write_bytes(b"")
    (root / "cover.jpg").write_bytes(b"\xff\xd8 not picked by name")
    write_audio(root / ".hidden", "wav", seconds=0.5, name="skipped.wav")
    return root


def test_import_skips_duplicates_lists_failures_and_keeps_going(
    importer: str, cli_env: CliEnv, veza: Invoke, tmp_path: Path
) -> None:
    root = music_tree(tmp_path / "music")
    result = veza("import", str(root), "--user", "Hamlet", "--visibility", "unlisted")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "imported 3, skipped 1 duplicate(s), failed 2, of 6 audio file(s)" in result.output
    lines = result.output.splitlines()
    assert "  bad/empty.flac: the file is empty" in lines
    assert any(line.startswith("  bad/notes.mp3: the file is not audio") for line in lines)

    tracks = tracks_in(importer)
    # Files go in path order, so the copy in `copies/` is the one imported.
    assert sorted(t["filename"] for t in tracks) == ["deep.FLAC", "same bytes.wav", "Étude ♪ 1.mp3"]
    assert {(t["owner"], t["visibility"], t["status"], t["job"]) for t in tracks} == {
        ("hamlet", "unlisted", "uploaded", "queued")
    }
    # Refused files leave nothing in storage, not even an empty folder.
    stored = sorted(p.name for p in (cli_env.media_dir / "tracks").iterdir())
    assert stored == sorted(t["id"].hex for t in tracks)

    again = veza("import", str(root), "--user", "hamlet")
    assert again.exit_code == 1
    assert "imported 0, skipped 4 duplicate(s), failed 2, of 6 audio file(s)" in again.output
    assert len(tracks_in(importer)) == 3


def test_import_refuses_an_unknown_user_or_folder(
    importer: str, veza: Invoke, tmp_path: Path
) -> None:
    nobody = veza("import", str(tmp_path), "--user", "yorick")
    assert nobody.exit_code == 1
    assert "error: no such user" in nobody.output
    missing = veza("import", str(tmp_path / "nope"), "--user", "hamlet")
    assert missing.exit_code == 2
    assert "Error" in missing.output  # Typer's own usage error for a missing path
    assert tracks_in(importer) == []


def test_import_wait_processes_until_playable(importer: str, veza: Invoke, tmp_path: Path) -> None:
    root = tmp_path / "music"
    (root / "a").mkdir(parents=True)
    write_audio(root / "a", "flac", seconds=1.0, name="one.flac")
    write_audio(root, "opus", seconds=1.0, name="two.opus")
    result = veza("import", str(root), "--user", "hamlet", "--wait")
    assert result.exit_code == 0, result.output
    assert "imported 2, skipped 0 duplicate(s), failed 0, of 2 audio file(s)" in result.output
    tracks = tracks_in(importer)
    assert {(t["title"], t["status"], t["job"]) for t in tracks} == {
        ("one", "ready", "done"),
        ("two", "ready", "done"),
    }
