"""Human handoff end to end on real servers: trained model, action server, Rasa, staff console.

A citizen on the REST channel asks for a human; the bot answers with the queue place and then
stays silent; an officer logs into the console (`python -m console`, its own process), sees the
conversation with intents, replies (the reply lands in the tracker as a staff message) and
resolves; the bot answers the citizen again. Also: the way back ("kembali ke asisten") and the
sensitive-topic path with emergency numbers.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.stack import ROOT, Stack, free_port

from layani.policies.handoff_config import load_config
from storage import console as accounts
from storage import handoff as queue
from storage.db import session_scope

pytestmark = pytest.mark.integration

OFFICER, PASSWORD = "petugas_umum", "sandi-petugas-umum-1"


def start_console(stack: Stack, log: Path) -> tuple:
    """`python -m console` with the stack's database and Rasa URL; returns (process, url)."""
    port = free_port()
    env = {**stack.env, "CONSOLE_PORT": str(port)}
    handle = open(log, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"console exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"console not ready:\n{log.read_text()[-3000:]}")


def ensure_officer(database_url: str, username: str, password: str, agency: str) -> None:
    with session_scope(database_url) as s:
        accounts.ensure_agency(s, agency, agency)
        if accounts.find_user(s, username) is None:
            accounts.create_user(s, username, password, "officer", agency)


@pytest.fixture(scope="module")
def console(rasa_stack, tmp_path_factory) -> Iterator[str]:
    ensure_officer(rasa_stack.env["DATABASE_URL"], OFFICER, PASSWORD, load_config().default_agency)
    proc, url = start_console(rasa_stack, tmp_path_factory.mktemp("console") / "console.log")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def officer_client(console_url: str) -> httpx.Client:
    client = httpx.Client(base_url=console_url, timeout=30, follow_redirects=True)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"username": OFFICER, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 200 and "Keluar" in response.text
    return client


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def bot_events(tracker: dict) -> list[dict]:
    return [e for e in tracker["events"] if e["event"] == "bot"]


def test_citizen_officer_resolve_and_bot_again(rasa_stack, console):
    citizen = f"rest-{uuid.uuid4().hex[:10]}"
    first = rasa_stack.texts(citizen, "saya mau bicara dengan petugas")
    settings = load_config()
    expected = "Nomor antrean Anda" if settings.is_open() else "jam kerja berikutnya"
    assert any(expected in t for t in first), first

    # Handed off: the bot says nothing, whatever the citizen writes.
    assert rasa_stack.texts(citizen, "halo, ada orang di sana?") == []
    assert rasa_stack.texts(citizen, "menu") == []

    with session_scope(rasa_stack.env["DATABASE_URL"]) as s:
        handoff_id = queue.open_for_sender(s, rasa_stack.conversation_id(citizen)).id

    client = officer_client(console)
    queue_html = client.get("/handoffs/queue").text
    assert f'href="/handoffs/{handoff_id}"' in queue_html and citizen in queue_html
    page = client.get(f"/handoffs/{handoff_id}")
    assert "halo, ada orang di sana?" in page.text
    assert "intent <code>request_human</code>" in page.text  # intent + confidence per message

    reply = client.post(
        f"/handoffs/{handoff_id}/reply",
        data={
            "text": "Halo, saya petugas layanan umum. Ada yang bisa dibantu?",
            "csrf_token": csrf(page.text),
        },
    )
    assert reply.status_code == 200, reply.text
    assert "tidak dapat menerima pesan susulan" in reply.text  # REST cannot push; officer is told
    staff_messages = [
        e for e in bot_events(rasa_stack.tracker(citizen)) if (e.get("metadata") or {}).get("staff")
    ]
    assert staff_messages and staff_messages[-1]["metadata"]["staff"] == OFFICER
    assert staff_messages[-1]["text"].startswith("Halo, saya petugas")
    assert "Petugas petugas_umum" in client.get(f"/handoffs/{handoff_id}/transcript").text

    resolved = client.post(f"/handoffs/{handoff_id}/resolve", data={"csrf_token": csrf(reply.text)})
    assert resolved.status_code == 200
    tracker = rasa_stack.tracker(citizen)
    assert tracker["slots"]["handoff_active"] is False
    # The closing message, then the satisfaction question (CSAT, docs/complaints.md).
    closing, question = bot_events(tracker)[-2:]
    assert "Petugas telah menyelesaikan" in closing["text"]
    assert "Beri nilai 1" in question["text"]
    with session_scope(rasa_stack.env["DATABASE_URL"]) as s:
        row = queue.get(s, handoff_id)
        assert (row.status, row.closed_by, row.assigned_to) == ("resolved", OFFICER, OFFICER)

    again = rasa_stack.texts(citizen, "halo")
    assert again, "the bot must answer again after the officer resolved the conversation"


def test_citizen_can_go_back_to_the_assistant(rasa_stack):
    citizen = f"rest-{uuid.uuid4().hex[:10]}"
    assert rasa_stack.texts(citizen, "sambungkan ke petugas")
    assert rasa_stack.texts(citizen, "halo") == []
    back = rasa_stack.texts(citizen, "kembali ke asisten")
    assert any("kembali dilayani asisten" in t for t in back), back
    with session_scope(rasa_stack.env["DATABASE_URL"]) as s:
        assert queue.open_for_sender(s, rasa_stack.conversation_id(citizen)) is None
    assert rasa_stack.texts(citizen, "halo")


def test_sensitive_message_gets_emergency_numbers_and_an_urgent_place(rasa_stack):
    citizen = f"rest-{uuid.uuid4().hex[:10]}"
    texts = rasa_stack.texts(citizen, "tolong, suami saya mengancam saya pakai pisau")
    assert "112" in texts[0] and "110" in texts[0] and "119" in texts[0], texts
    with session_scope(rasa_stack.env["DATABASE_URL"]) as s:
        row = queue.open_for_sender(s, rasa_stack.conversation_id(citizen))
        assert row is not None and row.urgent and row.reason == "sensitive"
