"""Staff console over real HTTP (aiohttp test server, SQLite): login, authorisation, CSRF,
agency isolation, reveals and status changes with their audit rows.

The Rasa server is deliberately absent here (its URL points at a closed port): these tests are
about who may do what; tests/integration/test_console_handoff.py covers the live conversation.
"""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

from console.app import ConsoleConfig, create_app
from storage import console as accounts
from storage import handoff as queue
from storage import personal_data, tickets
from storage.db import dispose_engines, session_scope, upgrade_database

PASSWORD = "kata-sandi-rahasia-1"
NIK = "3273010101900001"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class World:
    """Two agencies with an officer each, an admin, an auditor; a ticket and handoff per agency."""

    def __init__(self, url: str) -> None:
        self.url = url
        with session_scope(url) as s:
            accounts.create_agency(s, "dinas_pupr", "Dinas PUPR")
            accounts.create_agency(s, "dukcapil", "Dukcapil")
            accounts.create_user(s, "admin", PASSWORD, "admin")
            accounts.create_user(s, "pupr1", PASSWORD, "officer", "dinas_pupr")
            accounts.create_user(s, "capil1", PASSWORD, "officer", "dukcapil")
            accounts.create_user(s, "audit1", PASSWORD, "auditor")
            self.handoff_a = queue.enqueue(
                s, "+6281234567001", "whatsapp", "dinas_pupr", "request_human"
            ).handoff_id
            self.handoff_b = queue.enqueue(
                s, "web-b", "socketio", "dukcapil", "fallback"
            ).handoff_id
        self.ticket_a = tickets.create_ticket(
            kind="complaint",
            owner_key="phone:+6281234567001",
            sender_id="+6281234567001",
            category_or_service="jalan_rusak",
            description="Jalan berlubang di Jl. Merdeka",
            channel="whatsapp",
            url=url,
        ).id
        self.ticket_b = tickets.create_ticket(
            kind="application",
            owner_key="socketio:web-b",
            sender_id="web-b",
            category_or_service="akta_kelahiran",
            agency="dukcapil",
            description="Akta anak",
            channel="socketio",
            url=url,
        ).id
        personal_data.store(self.ticket_b, {"applicant_nik": NIK}, url=url)


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (Alembic per test costs ~1 s)."""
    path = tmp_path_factory.mktemp("template") / "console.db"
    upgrade_database(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture()
def world(tmp_path, monkeypatch, migrated_db) -> World:
    # Cheap argon2 parameters: these tests are about access rules, not hashing cost, and the
    # default cost (~0.1 s, much more on a busy CI machine) times ~100 logins adds minutes.
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{closed_port()}")  # notifications fail fast
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    shutil.copy(migrated_db, tmp_path / "console.db")
    yield World(url)
    dispose_engines()


@pytest.fixture()
async def client(world):
    conf = ConsoleConfig(world.url, f"http://127.0.0.1:{closed_port()}", "token", "token")
    async with TestClient(TestServer(create_app(conf))) as test_client:
        yield test_client


def hidden(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in page"
    return match.group(1)


async def login(client: TestClient, username: str, password: str = PASSWORD):
    page = await client.get("/login")
    token = hidden(await page.text())
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/tickets"},
        allow_redirects=False,
    )


async def signed_in(client: TestClient, username: str) -> str:
    """Log in and return the session's CSRF token."""
    response = await login(client, username)
    assert response.status == 303, await response.text()
    page = await client.get("/handoffs")
    return hidden(await page.text())


def audit_rows(world: World, action: str):
    with session_scope(world.url) as s:
        return [(e.username, e.target_id, e.detail) for e in accounts.list_audit(s, action=action)]


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/handoffs"),
        ("GET", "/tickets"),
        ("GET", "/handoffs/1"),
        ("GET", "/audit"),
        ("POST", "/handoffs/1/reply"),
        ("POST", "/tickets/ADU-0000-0000/status"),
    ],
)
async def test_unauthenticated_requests_go_to_login(client, method, path):
    response = await client.request(method, path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


async def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(client):
    response = await login(client, "pupr1")
    assert response.status == 303 and response.headers["Location"] == "/tickets"
    cookie = response.cookies["layani_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    page = await client.get("/handoffs")
    await client.post(
        "/logout", data={"csrf_token": hidden(await page.text())}, allow_redirects=False
    )
    after = await client.get("/handoffs", allow_redirects=False)
    assert after.status == 303 and after.headers["Location"].startswith("/login")


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world):
    wrong = await login(client, "pupr1", "salah-sandi-123")
    unknown = await login(client, "nobody", "salah-sandi-123")
    assert wrong.status == unknown.status == 401
    assert "Nama pengguna atau kata sandi salah" in await wrong.text()
    unknown_name, known_name = [r[1] for r in audit_rows(world, "login_failed")]
    assert known_name == "pupr1"
    # A name that is no account is not kept: people type passwords there too.
    assert unknown_name == accounts.UNKNOWN_LOGIN_NAME


async def test_five_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(5):
        assert (await login(client, "pupr1", "tebakan-salah-1")).status == 401
    locked = await login(client, "pupr1", PASSWORD)
    assert locked.status == 401  # the same answer as a wrong password: names stay secret
    assert "dikunci sementara" in await locked.text()
    assert "layani_console" not in locked.cookies
    assert len(audit_rows(world, "login_locked")) == 2
    with session_scope(world.url) as s:
        accounts.unlock_user(accounts.find_user(s, "pupr1"))
    assert (await login(client, "pupr1", PASSWORD)).status == 303


async def test_login_next_parameter_cannot_redirect_off_site(client):
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": "pupr1",
            "password": PASSWORD,
            "csrf_token": hidden(await page.text()),
            "next": "https://evil.example/",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/"


# --- CSRF -----------------------------------------------------------------------------------


async def test_post_without_or_with_wrong_csrf_token_is_rejected(client, world):
    csrf = await signed_in(client, "pupr1")
    for data in ({"status": "diverifikasi"}, {"status": "diverifikasi", "csrf_token": "forged"}):
        response = await client.post(
            f"/tickets/{world.ticket_a}/status", data=data, allow_redirects=False
        )
        assert response.status == 403
        assert "CSRF" in await response.text()
    assert tickets.get_ticket(world.ticket_a, url=world.url).status == "diterima"
    ok = await client.post(
        f"/tickets/{world.ticket_a}/status",
        data={"status": "diverifikasi", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert ok.status == 303
    assert tickets.get_ticket(world.ticket_a, url=world.url).status == "diverifikasi"


async def test_login_form_needs_its_own_csrf_token(client):
    response = await client.post(
        "/login", data={"username": "pupr1", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403


async def test_logout_without_token_is_rejected(client):
    await signed_in(client, "pupr1")
    response = await client.post("/logout", allow_redirects=False)
    assert response.status == 403
    assert (await client.get("/handoffs", allow_redirects=False)).status == 200


# --- agency isolation -----------------------------------------------------------------------


async def test_officer_gets_403_for_another_agencys_handoff_by_url(client, world):
    csrf = await signed_in(client, "pupr1")
    b = world.handoff_b
    for path in (f"/handoffs/{b}", f"/handoffs/{b}/transcript"):
        assert (await client.get(path)).status == 403
    for path in (f"/handoffs/{b}/reply", f"/handoffs/{b}/resolve"):
        response = await client.post(path, data={"csrf_token": csrf, "text": "halo"})
        assert response.status == 403
    with session_scope(world.url) as s:
        row = queue.get(s, b)
        assert (row.status, row.first_reply_at) == ("waiting", None)


async def test_officer_queue_shows_only_their_agency(client, world):
    await signed_in(client, "pupr1")
    html = await (await client.get("/handoffs/queue")).text()
    assert f'href="/handoffs/{world.handoff_a}"' in html
    assert f'href="/handoffs/{world.handoff_b}"' not in html
    assert "+6281234567001" not in html  # the phone number is masked in the queue


async def test_officer_gets_403_for_another_agencys_ticket_by_url_and_search(client, world):
    csrf = await signed_in(client, "pupr1")
    b = world.ticket_b
    assert (await client.get(f"/tickets/{b}")).status == 403
    assert (await client.get(f"/tickets/{b.lower().replace('-', '')}")).status == 403
    assert (await client.get("/tickets/search", params={"id": b})).status == 403
    for path, data in (
        (f"/tickets/{b}/status", {"status": "diverifikasi"}),
        (f"/tickets/{b}/reveal", {"field": "applicant_nik"}),
    ):
        assert (await client.post(path, data={**data, "csrf_token": csrf})).status == 403
    assert tickets.get_ticket(b, url=world.url).status == "diterima"
    assert audit_rows(world, "pii_reveal") == []
    listing = await (await client.get("/tickets", params={"agency": "dukcapil"})).text()
    assert world.ticket_a in listing and b not in listing


async def test_unknown_items_are_404_not_500(client):
    await signed_in(client, "pupr1")
    assert (await client.get("/handoffs/999999")).status == 404
    assert (await client.get("/handoffs/abc")).status == 404
    assert (await client.get("/tickets/ADU-ZZZZ-ZZZZ")).status == 404
    assert (await client.get("/tickets/not-a-ticket")).status == 404


async def test_auditor_reads_everything_and_changes_nothing(client, world):
    csrf = await signed_in(client, "audit1")
    assert (await client.get(f"/tickets/{world.ticket_b}")).status == 200
    assert (await client.get(f"/handoffs/{world.handoff_b}")).status == 200
    assert (await client.get("/audit")).status == 200
    assert (await client.get("/admin/users")).status == 403
    for path, data in (
        (f"/tickets/{world.ticket_b}/status", {"status": "diverifikasi"}),
        (f"/tickets/{world.ticket_b}/reveal", {"field": "applicant_nik"}),
        (f"/handoffs/{world.handoff_b}/resolve", {}),
    ):
        assert (await client.post(path, data={**data, "csrf_token": csrf})).status == 403
    page = await (await client.get(f"/tickets/{world.ticket_b}")).text()
    assert NIK not in page and "************0001" in page


async def test_officer_cannot_open_admin_or_audit_pages(client):
    await signed_in(client, "pupr1")
    for path in ("/admin/users", "/admin/agencies", "/audit"):
        assert (await client.get(path)).status == 403


# --- personal data and audit log ------------------------------------------------------------


async def test_personal_data_masked_until_a_reveal_which_is_audited(client, world):
    csrf = await signed_in(client, "capil1")
    page = await (await client.get(f"/tickets/{world.ticket_b}")).text()
    assert NIK not in page and "************0001" in page
    revealed = await client.post(
        f"/tickets/{world.ticket_b}/reveal",
        data={"field": "applicant_nik", "reason": "verifikasi berkas", "csrf_token": csrf},
    )
    assert revealed.status == 200
    assert NIK in await revealed.text()
    assert revealed.headers["Cache-Control"] == "no-store"
    [(who, target, detail)] = audit_rows(world, "pii_reveal")
    assert (who, target) == ("capil1", world.ticket_b)
    assert '"field": "applicant_nik"' in detail and NIK not in detail
    again = await (await client.get(f"/tickets/{world.ticket_b}")).text()
    assert NIK not in again  # a reveal is one page view, not a setting


async def test_reporter_phone_is_masked_and_revealable(client, world):
    csrf = await signed_in(client, "pupr1")
    page = await (await client.get(f"/tickets/{world.ticket_a}")).text()
    assert "+6281234567001" not in page
    revealed = await client.post(
        f"/tickets/{world.ticket_a}/reveal", data={"field": "reporter_phone", "csrf_token": csrf}
    )
    assert "+6281234567001" in await revealed.text()
    assert audit_rows(world, "pii_reveal")[0][:2] == ("pupr1", world.ticket_a)


async def test_status_change_goes_through_the_ticket_service_and_is_audited(client, world):
    csrf = await signed_in(client, "pupr1")
    response = await client.post(
        f"/tickets/{world.ticket_a}/status",
        data={"status": "diverifikasi", "note": "Tim survei dijadwalkan", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert response.status == 303
    view = tickets.get_ticket(world.ticket_a, url=world.url)
    status_rows = [h for h in view.history if h.event == "status"]
    assert (status_rows[-1].status, status_rows[-1].actor, status_rows[-1].note) == (
        "diverifikasi",
        "pupr1",
        "Tim survei dijadwalkan",
    )
    # No Rasa server in this test: the failed notification is recorded and shown, not hidden.
    assert view.history[-1].event == "notify_failed"
    assert response.headers["Location"].endswith("notice=not_notified")
    [(who, target, detail)] = audit_rows(world, "ticket_status")
    assert (who, target) == ("pupr1", world.ticket_a)
    assert '"from": "diterima"' in detail and '"to": "diverifikasi"' in detail


async def test_invalid_transition_is_a_400_and_changes_nothing(client, world):
    csrf = await signed_in(client, "pupr1")
    response = await client.post(
        f"/tickets/{world.ticket_a}/status", data={"status": "selesai", "csrf_token": csrf}
    )
    assert response.status == 400
    assert tickets.get_ticket(world.ticket_a, url=world.url).status == "diterima"
    assert audit_rows(world, "ticket_status") == []


# --- handoff actions when Rasa is down ------------------------------------------------------


async def test_reply_when_rasa_is_down_is_a_clear_error_and_nothing_is_recorded(client, world):
    csrf = await signed_in(client, "pupr1")
    page = await client.get(f"/handoffs/{world.handoff_a}")
    assert page.status == 200
    assert "tidak dapat dimuat" in await page.text()
    response = await client.post(
        f"/handoffs/{world.handoff_a}/reply",
        data={"text": "Halo, saya petugas", "csrf_token": csrf},
    )
    assert response.status == 502
    with session_scope(world.url) as s:
        assert queue.get(s, world.handoff_a).status == "waiting"
    empty = await client.post(
        f"/handoffs/{world.handoff_a}/reply", data={"text": "  ", "csrf_token": csrf}
    )
    assert empty.status == 400


# --- administration -------------------------------------------------------------------------


async def test_admin_creates_an_officer_who_can_then_log_in(client, world):
    csrf = await signed_in(client, "admin")
    form: dict[str, str | None] = {
        "username": "pupr2",
        "password": "sandi-baru-12345",
        "role": "officer",
        "agency_id": "dinas_pupr",
        "csrf_token": csrf,
    }
    assert (await client.post("/admin/users", data=form, allow_redirects=False)).status == 303
    duplicate = await client.post("/admin/users", data=form)
    assert duplicate.status == 400 and "already exists" in await duplicate.text()
    weak = await client.post(
        "/admin/users", data={**form, "username": "pupr3", "password": "pendek"}
    )
    assert weak.status == 400
    assert [r[1] for r in audit_rows(world, "user_create")] == ["pupr2"]
    await client.post("/logout", data={"csrf_token": csrf})
    assert (await login(client, "pupr2", "sandi-baru-12345")).status == 303


async def test_background_favicon_request_does_not_break_the_login_form(client):
    """Browsers fetch /favicon.ico while the login page is open; the form must still work."""
    page = await client.get("/handoffs")  # redirected to the login page
    token = hidden(await page.text())
    assert (await client.get("/favicon.ico", allow_redirects=False)).status == 204
    await client.get("/login")  # even a second login page keeps the same token
    response = await client.post(
        "/login",
        data={"username": "pupr1", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303
