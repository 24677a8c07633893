"""Staff console ratings page (console/views_ratings.py): scoped by agency like every list,
comments readable by staff, linked from the navigation; and the question after a closed handoff."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import test_console_app as console_world
from test_console_app import World, login

from services import ratings as rating_requests
from storage import handoff as queue
from storage import ratings
from storage.db import session_scope

# The console tests' world (two agencies, their officers, an admin, an auditor) and client.
migrated_db = console_world.migrated_db
world = console_world.world
client = console_world.client


@pytest.fixture()
def rated(world: World) -> World:
    ratings.record_rating(
        "ticket", world.ticket_a, 2, "whatsapp", agency="dinas_pupr", comment="Lubang PUPR belum"
    )
    ratings.record_rating(
        "handoff",
        str(world.handoff_b),
        5,
        "socketio",
        agency="dukcapil",
        comment="Petugas capil ok",
    )
    return world


async def _page(client, username: str, query: str = ""):
    response = await login(client, username)
    assert response.status == 303
    return await client.get("/ratings" + query)


async def test_officer_sees_only_their_agencys_ratings_and_comments(client, rated):
    page = await _page(client, "pupr1")
    html = await page.text()
    assert page.status == 200
    assert "Lubang PUPR belum" in html and rated.ticket_a in html
    assert "Petugas capil ok" not in html
    assert 'href="/ratings"' in html  # navigation link


async def test_other_agency_officer_sees_the_other_half(client, rated):
    html = await (await _page(client, "capil1")).text()
    assert "Petugas capil ok" in html and f"/handoffs/{rated.handoff_b}" in html
    assert "Lubang PUPR belum" not in html and rated.ticket_a not in html


@pytest.mark.parametrize("username", ["admin", "audit1"])
async def test_admins_and_auditors_see_every_agency(client, rated, username):
    html = await (await _page(client, username)).text()
    assert "Lubang PUPR belum" in html and "Petugas capil ok" in html


async def test_score_filter_and_malformed_queries(client, rated):
    html = await (await _page(client, "admin", "?nilai=5")).text()
    assert "Petugas capil ok" in html and "Lubang PUPR belum" not in html
    for query in ("?nilai=9", "?nilai=abc", "?hal=0", "?hal=99999999999999999999"):
        response = await client.get("/ratings" + query)
        assert response.status == 400, query


async def test_ratings_page_needs_a_login(client):
    response = await client.get("/ratings", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


class _Outbound(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"delivered": true}')

    def log_message(self, *args):
        pass


def test_closed_handoff_asks_its_citizen_with_the_phone_owner_key(world, monkeypatch):
    _Outbound.received = []
    server = HTTPServer(("127.0.0.1", 0), _Outbound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("LAYANI_OUTBOUND_TOKEN", "rahasia-uji")
    try:
        with session_scope(world.url) as s:
            row = queue.get(s, world.handoff_a)  # WhatsApp, dinas_pupr
        assert rating_requests.ask_after_handoff(row, world.url)
    finally:
        server.shutdown()
    [question] = _Outbound.received
    assert question["sender_id"] == "+6281234567001" and "buttons" not in question
    pending = ratings.pending_for("phone:+6281234567001", url=world.url)
    assert (pending.subject_kind, pending.subject_ref, pending.agency) == (
        "handoff",
        str(world.handoff_a),
        "dinas_pupr",
    )
