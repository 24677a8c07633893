"""Status notifications: the HTTP call to the Rasa server's outbound API and the CLI that
changes a status. A real local HTTP server stands in for the Rasa server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from layani import notify
from layani.paths import ROOT
from services import ticket_status
from storage import db, tickets


class _Outbound(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "json": json.loads(body)}
        )
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture()
def outbound(monkeypatch):
    _Outbound.received = []
    _Outbound.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Outbound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("LAYANI_OUTBOUND_TOKEN", "rahasia-uji")
    yield _Outbound
    server.shutdown()


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.upgrade_database(url)
    yield url
    db.dispose_engines()


def test_send_to_citizen_posts_with_bearer_token(outbound):
    assert notify.send_to_citizen("+6281234567890", "Halo", template_variables={"1": "x"})
    [call] = outbound.received
    assert call["path"] == "/layani/outbound"
    assert call["auth"] == "Bearer rahasia-uji"
    assert call["json"] == {
        "sender_id": "+6281234567890",
        "text": "Halo",
        "template_variables": {"1": "x"},
    }


def test_send_to_citizen_reports_refusal_and_masks_the_log(outbound, caplog):
    outbound.status = 403
    assert notify.send_to_citizen("+6281234567890", "Halo") is False
    assert "+6281234567890" not in caplog.text


def test_send_to_citizen_with_transport(monkeypatch):
    monkeypatch.setenv("LAYANI_OUTBOUND_TOKEN", "rahasia-uji")
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(503)

    assert notify.send_to_citizen("a", "b", transport=httpx.MockTransport(handler)) is False
    assert seen and seen[0].url.path == "/layani/outbound"


def test_send_to_citizen_without_outbound_token_fails_closed(monkeypatch):
    """No secret, no call: nothing goes out unauthenticated (and the caller learns it failed)."""
    monkeypatch.delenv("LAYANI_OUTBOUND_TOKEN", raising=False)
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    assert notify.send_to_citizen("a", "b", transport=transport) is False
    assert seen == []


def test_status_change_notifies_reporter_in_their_channel_wording(outbound, database):
    view = tickets.create_ticket(
        kind="complaint",
        owner_key="phone:+6281234567890",
        sender_id="+6281234567890",
        channel="sms",
        category_or_service="jalan_rusak",
        description="jalan bolong",
    )
    tickets.change_status(view.id, "diverifikasi")
    changed = ticket_status.change_status(
        view.id, "diproses", "Perbaikan dijadwalkan 3 Desember", actor="petugas-pupr"
    )
    [call] = outbound.received
    text = call["json"]["text"]
    assert call["json"]["sender_id"] == "+6281234567890"
    assert view.id in text and "diproses" in text and "Perbaikan dijadwalkan 3 Desember" in text
    assert text.isascii()  # SMS variant: GSM-7, no emoji
    assert call["json"]["template_variables"] == {"1": view.id, "2": "diproses"}
    assert changed.history[-1].event == "notified"


def test_cli_changes_status_and_notifies(outbound, database):
    view = tickets.create_ticket(
        kind="complaint",
        owner_key="rest:w",
        sender_id="w",
        category_or_service="sampah",
        description="sampah numpuk",
    )
    env = {
        "DATABASE_URL": database,
        "RASA_URL": notify.settings.load().rasa_url,
        "LAYANI_OUTBOUND_TOKEN": "rahasia-uji",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tooling.cli",
            "complaint",
            "status",
            view.id.lower(),
            "diverifikasi",
            "--note",
            "Petugas akan datang besok",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{view.id} diverifikasi"
    assert tickets.get_ticket(view.id).last_note == "Petugas akan datang besok"
    assert "Petugas akan datang besok" in outbound.received[-1]["json"]["text"]
    bad = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "complaint", "status", view.id, "selesai"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "diverifikasi" in bad.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "complaint", "status", "ADU-0000-0000", "diproses"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "tidak ditemukan" in missing.stderr
