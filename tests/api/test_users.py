"""Public profiles, profile editing, avatars (real images through Pillow), search, own export."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image, ImageCms

from conftest import Account, assert_error, register
from veza.core.images import AVATAR_MAX_BYTES
from veza.core.security.tokens import hash_token

AVATAR = "/api/v1/users/me/avatar"


def jpeg_with_metadata(width: int = 400, height: int = 300) -> bytes:
    """Top half red, bottom half blue, with camera, GPS and orientation tags and an ICC profile."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (0, height // 2, width, height))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model Spy"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, icc_profile=icc, quality=90)
    return out.getvalue()


def png(width: int = 80, height: int = 80, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 10, 128)[: len(mode)]).save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header claims another size, as decompression bombs do."""
    data = bytearray(png(1, 1, "L"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def dominant(image: Image.Image, xy: tuple[int, int]) -> str:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return "red" if pixel[0] > pixel[2] else "blue"


async def upload(
    client: httpx.AsyncClient,
    account: Account,
    data: bytes,
    name: str = "me.jpg",
    kind: str = "image/jpeg",
) -> httpx.Response:
    return await client.put(AVATAR, headers=account.auth, files={"file": (name, data, kind)})


def stored_avatars(app: FastAPI, account: Account) -> list[Path]:
    folder = app.state.backends.storage.local_path(f"avatars/{account.id}")
    return sorted(folder.glob("*")) if folder.is_dir() else []


async def test_public_profile(client: httpx.AsyncClient, hamlet: Account) -> None:
    response = await client.get("/api/v1/users/HAMLET")
    assert response.status_code == 200
    profile = response.json()
    assert profile["username"] == "hamlet"
    assert profile["display_name"] == "hamlet"
    assert profile["avatar_url"] is None
    assert profile["links"] == []
    assert "created_at" in profile
    assert not {"email", "status", "password_hash"} & set(profile)
    for missing in ("nobody", "ha%00mlet", "x" * 300, "%E2%80%AEhamlet"):
        assert_error(await client.get(f"/api/v1/users/{missing}"), 404, "user_not_found")


async def test_update_profile(client: httpx.AsyncClient, hamlet: Account) -> None:
    changes = {
        "display_name": "  Hamlet, Prince  ",
        "bio": "To be,\nor not to be.\t<script>alert(1)</script>'; DROP TABLE users; --",
        "links": [{"title": "Band", "url": "https://example.org/band"}],
    }
    response = await client.patch("/api/v1/users/me", headers=hamlet.auth, json=changes)
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["display_name"] == "Hamlet, Prince"
    assert me["email"] == "hamlet@example.org"
    profile = (await client.get("/api/v1/users/hamlet")).json()
    assert profile["bio"] == changes["bio"]  # stored as plain text, exactly
    assert profile["links"] == changes["links"]
    # A partial update leaves the other fields alone.
    await client.patch("/api/v1/users/me", headers=hamlet.auth, json={"bio": ""})
    profile = (await client.get("/api/v1/users/hamlet")).json()
    assert profile["bio"] == ""
    assert profile["display_name"] == "Hamlet, Prince"


@pytest.mark.parametrize(
    "field",
    [{"role": "admin"}, {"status": "active"}, {"email": "x@example.org"}, {"username": "x"}],
)
async def test_profile_update_cannot_touch_protected_fields(
    client: httpx.AsyncClient, hamlet: Account, field: dict[str, str]
) -> None:
    response = await client.patch(
        "/api/v1/users/me", headers=hamlet.auth, json={"display_name": "Sneaky", **field}
    )
    assert_error(response, 422, "invalid_input")
    me = (await client.get("/api/v1/auth/me", headers=hamlet.auth)).json()
    assert (me["role"], me["status"], me["username"], me["display_name"]) == (
        "user",
        "active",
        "hamlet",
        "hamlet",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 65},
        {"display_name": "evil\u202egnp.exe"},
        {"display_name": "tab\tname"},
        {"display_name": "zero\u200bwidth"},
        {"display_name": 42},
        {"bio": "x" * 1001},
        {"bio": "nul\x00byte"},
        {"links": [{"title": "t", "url": "https://example.org"}] * 6},
        {"links": [{"title": "t", "url": "javascript:alert(1)"}]},
        {"links": [{"title": "bell\x07", "url": "https://example.org"}]},
        {"links": "https://example.org"},
    ],
)
async def test_bad_profile_input_is_refused(
    client: httpx.AsyncClient, hamlet: Account, body: dict[str, object]
) -> None:
    response = await client.patch("/api/v1/users/me", headers=hamlet.auth, json=body)
    assert_error(response, 422, "invalid_input")
    profile = (await client.get("/api/v1/users/hamlet")).json()
    assert (profile["display_name"], profile["bio"], profile["links"]) == ("hamlet", "", [])


async def test_profile_update_needs_sign_in_and_valid_json(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    assert_error(await client.patch("/api/v1/users/me", json={"bio": "hi"}), 401)
    malformed = await client.patch(
        "/api/v1/users/me",
        headers={**hamlet.auth, "Content-Type": "application/json"},
        content=b'{"bio": ',
    )
    assert_error(malformed, 400, "malformed_json")


async def test_avatar_is_resized_and_stripped_of_metadata(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    response = await upload(client, hamlet, jpeg_with_metadata())
    assert response.status_code == 200, response.text
    avatar_url = response.json()["avatar_url"]
    assert avatar_url.startswith("/api/v1/users/hamlet/avatar?v=")
    files = stored_avatars(app, hamlet)
    assert [f.name.split("-")[-1] for f in files] == ["256.webp", "64.webp"]
    for path, size in zip(files, (256, 64), strict=True):
        raw = path.read_bytes()
        assert b"SecretCam" not in raw
        assert b"Exif" not in raw
        with Image.open(path) as image:
            assert image.format == "WEBP"
            assert image.size == (size, size)
            assert not set(image.info) & {"exif", "icc_profile", "xmp"}
            assert len(image.getexif()) == 0
            image.load()
            # The orientation tag was applied: the red top of the photo is now on the right.
            assert dominant(image, (size * 7 // 8, size // 2)) == "red"
            assert dominant(image, (size // 8, 0)) == "blue"

    served = await client.get(avatar_url + "&size=64")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"]
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (64, 64)
    plain = await client.get("/api/v1/users/hamlet/avatar")
    assert plain.headers["cache-control"] == "public, no-cache"
    cached = await client.get(
        "/api/v1/users/hamlet/avatar", headers={"If-None-Match": plain.headers["etag"]}
    )
    assert cached.status_code == 304
    assert cached.headers["etag"] == plain.headers["etag"]
    assert plain.headers["etag"] != served.headers["etag"]
    assert_error(await client.get("/api/v1/users/hamlet/avatar?size=100"), 422, "invalid_input")


async def test_transparent_png_and_gif_are_accepted(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    gif = io.BytesIO()
    Image.new("P", (300, 120), 3).save(gif, "GIF")
    for data, name in ((png(500, 200), "a.png"), (gif.getvalue(), "a.gif")):
        response = await upload(client, hamlet, data, name, "image/png")
        assert response.status_code == 200, response.text
        large = stored_avatars(app, hamlet)[0]
        with Image.open(large) as image:
            assert image.size == (256, 256)
    with Image.open(stored_avatars(app, hamlet)[0]) as image:
        assert image.mode == "RGB"
    await upload(client, hamlet, png(500, 200), "a.png", "image/png")
    with Image.open(stored_avatars(app, hamlet)[0]) as image:
        assert image.mode == "RGBA"


async def test_new_avatar_replaces_the_old_files(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    first = (await upload(client, hamlet, jpeg_with_metadata())).json()["avatar_url"]
    old_files = stored_avatars(app, hamlet)
    second = (await upload(client, hamlet, png())).json()["avatar_url"]
    assert first != second
    new_files = stored_avatars(app, hamlet)
    assert len(new_files) == 2
    assert not set(old_files) & set(new_files)
    assert all(not path.exists() for path in old_files)

    assert (await client.delete(AVATAR, headers=hamlet.auth)).status_code == 204
    assert stored_avatars(app, hamlet) == []
    assert (await client.get("/api/v1/users/hamlet")).json()["avatar_url"] is None
    assert_error(await client.get("/api/v1/users/hamlet/avatar"), 404, "avatar_not_found")
    assert (await client.delete(AVATAR, headers=hamlet.auth)).status_code == 204


def _truncated_jpeg() -> bytes:
    data = jpeg_with_metadata()
    return data[: len(data) // 2]


def _tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "TIFF")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"just some text, honestly\n" * 10, id="text named .png"),
        pytest.param(b"", id="empty"),
        pytest.param(_truncated_jpeg(), id="truncated jpeg"),
        pytest.param(png()[:-30], id="truncated png"),
        pytest.param(_tiff(), id="tiff"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
async def test_non_images_are_refused(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account, data: bytes
) -> None:
    response = await upload(client, hamlet, data, "avatar.png", "image/png")
    assert_error(response, 415, "unsupported_image")
    assert stored_avatars(app, hamlet) == []
    assert (await client.get("/api/v1/users/hamlet")).json()["avatar_url"] is None


@pytest.mark.parametrize(
    "size", [pytest.param((20_000, 20_000), id="bomb"), pytest.param((7_000, 7_000), id="49 MP")]
)
async def test_images_with_too_many_pixels_are_refused(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account, size: tuple[int, int]
) -> None:
    response = await upload(client, hamlet, png_claiming(*size), "bomb.png", "image/png")
    assert_error(response, 422, "image_too_large")
    assert stored_avatars(app, hamlet) == []


async def test_oversize_avatars_are_refused(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    # Over the request cap: refused before the body is read.
    huge = await upload(client, hamlet, b"\xff" * (3 * 1024 * 1024))
    assert_error(huge, 413, "payload_too_large")
    # Within the multipart slack but one byte over the image cap.
    just_over = await upload(client, hamlet, b"\xff" * (AVATAR_MAX_BYTES + 1))
    assert_error(just_over, 413, "avatar_too_large")
    assert stored_avatars(app, hamlet) == []
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200


async def test_avatar_upload_needs_sign_in_and_a_file(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    assert_error(await client.put(AVATAR, files={"file": ("a.png", png(), "image/png")}), 401)
    assert_error(
        await client.put(AVATAR, headers=hamlet.auth, files={"other": ("a.png", png())}),
        422,
        "invalid_input",
    )
    assert_error(await client.get("/api/v1/users/nobody/avatar"), 404, "user_not_found")


async def test_search_pages_by_prefix_without_gaps_or_duplicates(
    client: httpx.AsyncClient,
) -> None:
    names = [f"fan_{i:02d}" for i in range(25)]
    for name in names:
        await register(client, name)
    await register(client, "fanatic")  # `_` in the prefix is a character, not a wildcard
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"q": "FAN_", "limit": "7", **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/users", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 7
        assert all("email" not in item for item in body["items"])
        seen += [item["username"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == names
    assert pages == 4
    everyone = (await client.get("/api/v1/users", params={"q": "fan", "limit": 100})).json()
    assert len(everyone["items"]) == 26
    assert everyone["next_cursor"] is None
    default = (await client.get("/api/v1/users")).json()
    assert len(default["items"]) == 20


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": "0"}, 422, "invalid_input"),
        ({"limit": "101"}, 422, "invalid_input"),
        ({"limit": "ten"}, 422, "invalid_input"),
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"q": "x" * 65}, 422, "invalid_input"),
    ],
)
async def test_bad_search_parameters(
    client: httpx.AsyncClient, hamlet: Account, params: dict[str, str], status: int, code: str
) -> None:
    assert_error(await client.get("/api/v1/users", params=params), status, code)


async def test_search_finds_nothing_for_odd_prefixes(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    for q in ("%", "ham%", "' OR 1=1 --", "hé", "ham\x00", "x" * 33):
        response = await client.get("/api/v1/users", params={"q": q})
        assert response.status_code == 200
        assert response.json()["items"] == []


async def test_export_own_data_without_secrets(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    await upload(client, hamlet, png())
    response = await client.get("/api/v1/users/me/export", headers=hamlet.auth)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    export = response.json()
    assert export["profile"]["username"] == "hamlet"
    assert export["profile"]["email"] == "hamlet@example.org"
    assert len(export["profile"]["avatar_files"]) == 2
    assert len(export["sessions"]) == 1
    assert export["sessions"][0]["ip"] == "127.0.0.1"
    assert "auth.register" in {event["event"] for event in export["audit_events"]}
    text = response.text
    for secret in (
        "password_hash",
        "$argon2",
        hamlet.refresh_token,
        hash_token(hamlet.refresh_token),
        hamlet.access_token,
    ):
        assert secret not in text
    assert_error(await client.get("/api/v1/users/me/export"), 401)
