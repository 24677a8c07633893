"""An officer sees a conversation only within the handoff they were given (issue 13 point 6).

The citizen first talks to Dinas PUPR's officer (handoff 1, closed), then tells the bot
something private and is handed to Dukcapil (handoff 2, open). PUPR's officer must not keep a
live window on what came after their handoff closed; Dukcapil's officer must not read the
earlier exchange with PUPR; admins and auditors see everything, as before.

A small fake Rasa server on loopback answers the tracker requests; the console is the real app.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sec_console_support import CHEAP_HASHER, seed_staff, signed_in

from console.app import ConsoleConfig, create_app
from storage import console as accounts
from storage import handoff as queue
from storage.db import dispose_engines, session_scope, upgrade_database

CITIZEN = "+6281234500077"
T0 = dt.datetime(2026, 12, 1, 2, 0, 0)  # naive UTC, like every time in the database


def at(minutes: float) -> float:
    return (T0 + dt.timedelta(minutes=minutes)).replace(tzinfo=dt.timezone.utc).timestamp()


def user(text: str, minutes: float) -> dict:
    return {"event": "user", "text": text, "timestamp": at(minutes), "parse_data": {}}


def bot(text: str, minutes: float, staff: str | None = None) -> dict:
    event = {"event": "bot", "text": text, "timestamp": at(minutes)}
    if staff:
        event["metadata"] = {"staff": staff}
    return event


EVENTS = [
    user("jalan depan rumah saya berlubang besar", 0),
    bot("Baik, saya teruskan ke petugas.", 0.1),
    bot("Tim kami akan survei besok.", 5, staff="pupr1"),
    # handoff 1 (PUPR) closes at minute 10
    user("rahasia keluarga: anak saya belum punya akta", 20),
    user("tolong sambungkan ke dukcapil", 21),
    # handoff 2 (Dukcapil) opens at minute 21.5
    bot("Bisa, kami bantu aktanya.", 25, staff="capil1"),
]
BEFORE = "jalan depan rumah saya berlubang besar"
PUPR_REPLY = "Tim kami akan survei besok."
LATER_PRIVATE = "rahasia keluarga: anak saya belum punya akta"
DUKCAPIL_REPLY = "Bisa, kami bantu aktanya."


class FakeRasa:
    """GET /conversations/<id>/tracker with our events; `events` may grow during a test."""

    def __init__(self) -> None:
        self.events = list(EVENTS)
        self.app = web.Application()
        self.app.router.add_get("/conversations/{sender}/tracker", self.tracker)

    async def tracker(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"sender_id": request.match_info["sender"], "slots": {}, "events": self.events}
        )


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sec-scope-template") / "console.db"
    upgrade_database(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture()
def world(tmp_path, migrated_db, monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", CHEAP_HASHER)
    shutil.copy(migrated_db, tmp_path / "console.db")
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    seed_staff(url)
    with session_scope(url) as s:
        first = queue.get(
            s, queue.enqueue(s, CITIZEN, "whatsapp", "dinas_pupr", "request_human").handoff_id
        )
        first.created_at = T0 + dt.timedelta(minutes=0.05)
        queue.record_reply(s, first, "pupr1")
        queue.close(s, first, "resolved", "pupr1")
        first.closed_at = T0 + dt.timedelta(minutes=10)
        s.flush()
        second = queue.get(
            s, queue.enqueue(s, CITIZEN, "whatsapp", "dukcapil", "request_human").handoff_id
        )
        second.created_at = T0 + dt.timedelta(minutes=21.5)
        ids = (first.id, second.id)
    yield url, ids
    dispose_engines()


@pytest.fixture()
async def clients(world):
    url, ids = world
    rasa = FakeRasa()
    rasa_server = TestServer(rasa.app)
    await rasa_server.start_server()
    values = {
        "database_url": url,
        "rasa_url": str(rasa_server.make_url("")).rstrip("/"),
        "api_token": "api-token",
        "outbound_token": "outbound-token",
    }
    known = {f.name for f in dataclasses.fields(ConsoleConfig)}
    app = create_app(ConsoleConfig(**{k: v for k, v in values.items() if k in known}))
    console = TestClient(TestServer(app))
    await console.start_server()

    async def new_client() -> TestClient:
        client = TestClient(console.server)
        await client.start_server()
        made.append(client)
        return client

    made = [console]
    try:
        yield new_client, rasa, ids
    finally:
        for client in made:
            await client.close()
        await rasa_server.close()


async def page_of(client: TestClient, handoff_id: int) -> str:
    response = await client.get(f"/handoffs/{handoff_id}/transcript")
    assert response.status == 200
    return await response.text()


async def test_officer_of_a_closed_handoff_does_not_see_what_the_citizen_said_later(clients):
    new_client, rasa, (first, _second) = clients
    officer = await new_client()
    await signed_in(officer, "pupr1")
    for path in (f"/handoffs/{first}", f"/handoffs/{first}/transcript"):
        html = await (await officer.get(path)).text()
        assert BEFORE in html and PUPR_REPLY in html
        assert LATER_PRIVATE not in html and DUKCAPIL_REPLY not in html
    rasa.events.append(user("pesan baru untuk dukcapil", 30))
    assert "pesan baru untuk dukcapil" not in await page_of(officer, first)


async def test_next_agency_sees_its_own_handoff_live_but_not_the_earlier_one(clients):
    new_client, rasa, (_first, second) = clients
    officer = await new_client()
    await signed_in(officer, "capil1")
    html = await page_of(officer, second)
    assert LATER_PRIVATE in html and DUKCAPIL_REPLY in html  # context since the last handoff
    assert BEFORE not in html and PUPR_REPLY not in html  # another agency's exchange
    rasa.events.append(user("terima kasih, ini nomor KK saya", 30))
    assert "terima kasih" in await page_of(officer, second)  # open: followed live


async def test_the_cut_is_for_officers_only_admins_and_auditors_see_everything(clients):
    new_client, rasa, (first, second) = clients
    officer = await new_client()
    await signed_in(officer, "pupr1")
    assert LATER_PRIVATE not in await page_of(officer, first)
    assert (await officer.get(f"/handoffs/{second}/transcript")).status == 403
    for name in ("admin", "audit1"):
        reader = await new_client()
        await signed_in(reader, name)
        for handoff_id in (first, second):
            html = await page_of(reader, handoff_id)
            for text in (BEFORE, PUPR_REPLY, LATER_PRIVATE, DUKCAPIL_REPLY):
                assert text in html, (name, handoff_id, text)


async def test_an_officer_row_without_agency_sees_no_agency_instead_of_all(clients, world):
    url, _ids = world
    new_client, _rasa, (first, second) = clients
    officer = await new_client()
    await signed_in(officer, "pupr1")
    with session_scope(url) as s:
        accounts.find_user(s, "pupr1").agency_id = None  # a hand-edited or half-migrated row
    for path in ("/handoffs/queue", "/tickets"):
        response = await officer.get(path)
        html = await response.text()
        assert f'href="/handoffs/{second}"' not in html, path
        assert response.status == 403, path
