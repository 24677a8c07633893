"""Web chat abuse limits: new sessions per address, message length, floods, malformed events.

Each test speaks from its own client address: the server trusts 127.0.0.1 as a proxy
(LAYANI_TRUSTED_PROXIES), so X-Forwarded-For names the address, as behind a real reverse proxy.
Limits here: 3 new sessions and 3 messages per session per minute.
"""

from __future__ import annotations

import asyncio

import pytest
import socketio
from support.stack import free_port
from support.webchat_app import Visitor, start_webchat_app

from channels import messages
from channels.limits import max_chars, too_long_reply

SESSIONS, MESSAGES = 3, 3


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    env = {
        "LAYANI_WEBCHAT_SESSION_LIMIT": f"{SESSIONS}/60",
        "LAYANI_RATE_LIMIT": f"{MESSAGES}/60",
        "LAYANI_TRUSTED_PROXIES": "127.0.0.1",
    }
    log = tmp_path_factory.mktemp("webchat_limits") / "app.log"
    with start_webchat_app(env, free_port(), log) as running:
        yield running


def visitor(app, address: str) -> Visitor:
    return Visitor(app.url, {"X-Forwarded-For": address})


async def test_too_many_new_sessions_from_one_address_are_refused(app):
    tabs = [visitor(app, "203.0.113.1") for _ in range(SESSIONS)]
    for tab in tabs:
        await tab.start()
    # The next one is refused at the handshake, also when the client prepends a made-up hop
    # (only the hop our proxy wrote, the rightmost, is believed).
    for forwarded in ("203.0.113.1", "198.51.100.7, 203.0.113.1"):
        extra = Visitor(app.url, {"X-Forwarded-For": forwarded})
        with pytest.raises(socketio.exceptions.ConnectionError):
            await extra.connect(wait_timeout=2)
        assert extra.refusals == [{"message": "too_many_sessions"}]
        await extra.close()
    # Another address is not affected.
    other = await visitor(app, "203.0.113.2").start()
    for tab in [*tabs, other]:
        await tab.close()


async def test_new_sessions_on_one_socket_count_against_the_address(app):
    """session_request on an open socket makes a new sender; it cannot dodge the cap."""
    tab = visitor(app, "203.0.113.3")
    await tab.connect()
    confirmed = [await tab.new_session() for _ in range(SESSIONS)]
    assert all(confirmed) and len(set(confirmed)) == SESSIONS
    assert await tab.new_session() is None  # refused: the server closes the socket
    await asyncio.sleep(0.3)
    assert not tab.client.connected
    await tab.close()


async def test_long_message_gets_the_kind_reply_and_no_turn(app):
    tab = await visitor(app, "203.0.113.4").start()
    await tab.say("a" * (max_chars("socketio") + 1))
    assert await tab.wait_replies(1) == [too_long_reply("socketio")]
    await tab.say("b" * max_chars("socketio"))
    replies = await tab.wait_replies(2)
    assert replies[1].startswith("echo: bbb")
    await tab.close()


async def test_message_flood_is_rate_limited_across_sessions(app):
    """One address flooding from as many sessions as it can open gets at most
    SESSIONS x MESSAGES turns, and one polite notice per session."""
    tabs = []
    for _ in range(SESSIONS + 3):
        tab = visitor(app, "203.0.113.5")
        try:
            await tab.connect(wait_timeout=2)
        except socketio.exceptions.ConnectionError:
            assert tab.refusals == [{"message": "too_many_sessions"}]
            await tab.close()
            continue
        assert await tab.new_session()
        tabs.append(tab)
    assert len(tabs) == SESSIONS
    for tab in tabs:
        for i in range(10):
            await tab.say(f"pesan {i}")
    for tab in tabs:  # three turns and one notice each; then a moment for anything extra
        await tab.wait_replies(MESSAGES + 1, timeout=30)
    await asyncio.sleep(0.5)
    turns = [r for tab in tabs for r in tab.replies if r.startswith("echo:")]
    assert len(turns) == SESSIONS * MESSAGES
    for tab in tabs:
        assert tab.replies.count(messages.RATE_LIMITED) == 1
        await tab.close()


async def test_malformed_events_never_raise_nor_reach_rasa(app):
    tab = await visitor(app, "203.0.113.6").start()
    deep: object = "x"
    for _ in range(200):
        deep = {"a": deep}
    junk = [
        ("user_uttered", ()),
        ("user_uttered", ("teks saja",)),
        ("user_uttered", ([1, 2, 3],)),
        ("user_uttered", ({"message": {"nested": True}},)),
        ("user_uttered", ({"message": "satu", "session_id": None}, {"message": "dua"})),
        ("session_request", ("bukan dict",)),
        ("session_request", ({"session_id": {"$ne": None}},)),
    ]
    for event, args in junk:
        await tab.client.emit(event, args if len(args) != 1 else args[0])
    # A real message with oversized or deeply nested customData: answered, customData dropped.
    await tab.say("besar", {"language": "id", "blob": "x" * 10_000})
    await tab.say("dalam", deep)
    await tab.say("normal", {"language": "id", "channel": "telegram", "staff": "budi"})
    replies = await tab.wait_replies(3)
    assert replies == [
        "echo: besar ['channel']",
        "echo: dalam ['channel']",
        "echo: normal ['channel', 'language']",
    ]
    assert "Traceback" not in app.log_text()
    await tab.close()
