"""What a new user gets from `make run`: the launcher starts everything, the chat page loads,
the REST channel answers in Indonesian, and Ctrl-C stops every process cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.stack import ROOT, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def launched(model_path, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("make-run")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env.update(
        RASA_PORT=str(free_port()),
        ACTION_PORT=str(free_port()),
        CONSOLE_PORT=str(free_port()),
        RASA_TRACKER_DB=str(workdir / "tracker.db"),
        DATABASE_URL=f"sqlite:///{workdir / 'layani.db'}",
        LAYANI_SECRETS_FILE=str(workdir / "secrets.env"),
    )
    for name in ("LAYANI_API_TOKEN", "LAYANI_OUTBOUND_TOKEN", "LAYANI_TURN_TOKEN"):
        env.pop(name, None)
    # Append mode: the launcher and its children share this file's offset with the reads below
    # (seek(0) then read); without O_APPEND a child's write after a seek landed at the start and
    # overwrote the launcher's first line (the secrets-file notice) in a CI run.
    log = open(workdir / "run.log", "a+b")
    proc = subprocess.Popen(
        [sys.executable, "-m", "layani.run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['RASA_PORT']}"
    deadline = time.time() + 900
    while time.time() < deadline:
        log.seek(0)
        if b"Layani is running" in log.read():
            break
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"launcher exited:\n{log.read().decode(errors='replace')[-3000:]}")
        time.sleep(1)
    else:
        proc.kill()
        pytest.fail("launcher did not report readiness within 900 s")
    yield proc, url, log
    if proc.poll() is None:
        proc.kill()


def _say(url: str, sender: str, text: str) -> str:
    reply = httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    reply.raise_for_status()
    return " ".join(m.get("text", "") for m in reply.json())


def _secrets_file(launched) -> Path:
    return Path(launched[2].name).parent / "secrets.env"  # LAYANI_SECRETS_FILE, beside run.log


def _secrets(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_launcher_prints_chat_url_and_where_the_generated_secrets_are(launched):
    """Generated secrets go to a private file; the terminal shows its path, never a token."""
    _, url, log = launched
    log.seek(0)
    output = log.read().decode(errors="replace")
    assert f"{url}/chat" in output
    path = _secrets_file(launched)
    assert str(path) in output
    assert path.stat().st_mode & 0o777 == 0o600
    secrets = _secrets(path)
    assert set(secrets) == {
        "LAYANI_API_TOKEN",
        "LAYANI_OUTBOUND_TOKEN",
        "LAYANI_TURN_TOKEN",
        "LAYANI_ACTION_TOKEN",
    }
    assert len(set(secrets.values())) == len(secrets)  # four different secrets
    for value in secrets.values():
        assert value not in output


def test_chat_page_loads(launched):
    _, url, _ = launched
    page = httpx.get(f"{url}/chat", timeout=30)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "<html" in page.text.lower()


def test_rest_channel_answers_in_indonesian(launched):
    _, url, _ = launched
    greeting = _say(url, "warga-1", "halo").lower()
    assert any(word in greeting for word in ("halo", "selamat", "hai")) and "layani" in greeting
    menu = _say(url, "warga-1", "menu").lower()
    assert "lapor" in menu and "status" in menu and "petugas" in menu
    oos = _say(url, "warga-2", "harga bitcoin berapa").lower()
    assert "layanan" in oos and "bitcoin" not in oos


def test_api_requires_the_token(launched):
    _, url, _ = launched
    tracker = f"{url}/conversations/rest:warga-1/tracker"
    token = _secrets(_secrets_file(launched))["LAYANI_API_TOKEN"]
    assert httpx.get(tracker, timeout=30).status_code == 401
    assert httpx.get(tracker, params={"token": token}, timeout=30).status_code == 401
    ok = httpx.get(tracker, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["sender_id"] == "rest:warga-1"


def test_ctrl_c_stops_everything(launched):
    proc, url, _ = launched
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/", timeout=2)
