"""Web chat origins: only our own page and the sites in LAYANI_ALLOWED_ORIGINS get a socket.

The attack: a visitor of any website runs that site's script, which opens a socket to Layani
from the visitor's browser (WebSockets have no same-origin protection) and chats, floods or
reads replies in the visitor's name. Before this wave Layani's socket.io server accepted every
Origin. A real server (tests/support/webchat_app.py: Layani's socket.io channel, no model).
"""

from __future__ import annotations

import httpx
import pytest
import socketio
import websockets
from support.stack import free_port
from support.webchat_app import Visitor, start_webchat_app
from websockets.exceptions import InvalidStatusCode

AGENCY = "https://layanan.kabupaten-contoh.go.id"
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    log = tmp_path_factory.mktemp("webchat_origin") / "app.log"
    with start_webchat_app({"LAYANI_ALLOWED_ORIGINS": AGENCY}, free_port(), log) as running:
        yield running


async def _chat(url: str, headers: dict[str, str]) -> list[str]:
    visitor = Visitor(url, headers)
    try:
        await visitor.start()
        await visitor.say("halo")
        return await visitor.wait_replies(1)
    finally:
        await visitor.close()


async def test_foreign_origin_is_refused_at_the_handshake(app):
    visitor = Visitor(app.url, {"Origin": FOREIGN})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await visitor.connect()
    await visitor.close()
    # The Engine.IO handshake itself: 400, no session id, no CORS header for the foreign site.
    response = httpx.get(
        f"{app.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": FOREIGN}
    )
    assert response.status_code == 400
    assert '"sid"' not in response.text
    assert "access-control-allow-origin" not in response.headers


async def test_foreign_origin_websocket_upgrade_is_refused(app):
    """Browsers send Origin on a WebSocket handshake and apply no CORS to it: the server must."""
    ws_url = app.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(InvalidStatusCode) as refused:
        async with websockets.connect(ws_url, origin=FOREIGN, open_timeout=5):
            pass
    assert refused.value.status_code == 400
    async with websockets.connect(ws_url, origin=AGENCY, open_timeout=5) as ws:
        assert (await ws.recv()).startswith("0{")  # Engine.IO "open" packet


async def test_own_page_and_allowed_site_can_chat(app):
    assert await _chat(app.url, {"Origin": app.url}) == ["echo: halo ['channel']"]
    assert await _chat(app.url, {"Origin": AGENCY}) == ["echo: halo ['channel']"]


async def test_allowed_site_gets_one_cors_header(app):
    """The rasa-webchat widget polls cross-origin: exactly one Access-Control-Allow-Origin."""
    response = httpx.get(
        f"{app.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": AGENCY}
    )
    assert response.status_code == 200
    assert response.headers.get_list("access-control-allow-origin") == [AGENCY]


async def test_request_without_origin_is_served(app):
    """No Origin: a same-origin polling request or a non-browser client (documented); the
    per-address and per-session limits hold those, not the origin check."""
    assert await _chat(app.url, {}) == ["echo: halo ['channel']"]


async def test_only_allowed_sites_may_frame_the_chat_page(app):
    """Framing by another site (clickjacking) is refused by the browser via frame-ancestors."""
    csp = httpx.get(f"{app.url}/chat").headers["content-security-policy"]
    ancestors = next(d for d in csp.split(";") if d.strip().startswith("frame-ancestors"))
    assert ancestors.split()[1:] == ["'self'", AGENCY]
