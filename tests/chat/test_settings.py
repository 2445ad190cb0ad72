"""Operator settings for chat: message rate, sanction ladder, extra profanity words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from chat.conftest import ServerFactory
from chat.support import ChatClient, make_room
from conftest import register
from veza.config import ConfigError, load_settings
from veza.core.services.moderation import Sanction, parse_ladder

Sockets = Callable[..., Awaitable[ChatClient]]


def test_the_ladder_is_read_from_its_setting() -> None:
    assert parse_ladder("warn,mute:90s,ban:2d") == (
        Sanction("warned"),
        Sanction("muted", 90),
        Sanction("banned", 2 * 86_400),
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"chat_sanction_ladder": "warn,,ban:1h"},
        {"chat_sanction_ladder": "kick:5m"},
        {"chat_sanction_ladder": "mute:0m"},
        {"chat_sanction_ladder": "mute:5"},
        {"chat_messages_per_minute": 0},
        {"chat_connections_per_user": 0},
        {"chat_profanity_words_file": "/nonexistent/words.txt"},
    ],
)
def test_bad_chat_settings_refuse_to_start(overrides: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="VEZA_CHAT_"):
        load_settings(env="test", **overrides)


async def test_messages_per_minute_is_configurable(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node = await start_server(chat_messages_per_minute=3)
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        room = await make_room(http, hamlet)
    client = await sockets(node, hamlet)
    for n in range(3):
        await client.ok("send", room=room, body=f"m{n}", nonce=str(n))
    frame = await client.request("send", room=room, body="one too many", nonce="4")
    assert frame["code"] == "rate_limited", frame


async def test_a_configured_ladder_and_word_list_apply(
    start_server: ServerFactory, sockets: Sockets, tmp_path: Path
) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# house words\nborkle\n")
    node = await start_server(chat_sanction_ladder="ban:1h", chat_profanity_words_file=words)
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
        await http.patch(
            f"/api/v1/rooms/{room}", json={"profanity_mode": "reject"}, headers=hamlet.auth
        )
    member = await sockets(node, othello)
    frame = await member.request("send", room=room, body="you B0RKLES", nonce="1")
    assert (frame["code"], frame["details"]["sanction"]["action"]) == ("profanity", "banned")
    event = (await member.event("moderation"))["data"]
    assert (event["action"], event["reason"]) == ("banned", "profanity")
    assert await member.error("send", room=room, body="hello?", nonce="2") == "banned"
